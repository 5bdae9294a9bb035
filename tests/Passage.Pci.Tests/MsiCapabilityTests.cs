using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class MsiCapabilityTests
{
    private const int At = 0x50;

    /// <summary>
    /// An MSI capability at 0x50 whose dwords +4 … +0x14 hold distinct values, so each layout
    /// shows which dword it took each field from.
    /// </summary>
    private static ConfigSpace Space(ushort control) => TestSpaces.Endpoint()
        .Capability(At, CapabilityId.Msi, new byte[22])
        .Set16(At + 2, control)
        .Set32(At + 0x04, 0xFEE0_1004)
        .Set32(At + 0x08, 0x0000_1111)
        .Set32(At + 0x0C, 0x0000_2222)
        .Set32(At + 0x10, 0x0000_3333)
        .Set32(At + 0x14, 0x0000_4444)
        .Build();

    [Theory]
    [InlineData(0x0000, 10, 0x0000_0000_FEE0_1004ul, 0x1111, 0x0000u, 0x0000u)] // 32-bit: address +4, data +8
    [InlineData(0x0080, 14, 0x0000_1111_FEE0_1004ul, 0x2222, 0x0000u, 0x0000u)] // 64-bit: address +4/+8, data +0xC
    [InlineData(0x0100, 20, 0x0000_0000_FEE0_1004ul, 0x1111, 0x2222u, 0x3333u)] // 32-bit + mask: mask +0xC, pending +0x10
    [InlineData(0x0180, 24, 0x0000_1111_FEE0_1004ul, 0x2222, 0x3333u, 0x4444u)] // 64-bit + mask: mask +0x10, pending +0x14
    public void Decode_EachLayout_ReadsFieldsAtLayoutOffsets(ushort control, int length, ulong address, int data, uint mask, uint pending)
    {
        MsiCapability msi = MsiCapability.Decode(Space(control), At);

        Assert.Equal(length, msi.Length);
        Assert.Equal(address, msi.Address);
        Assert.Equal(data, msi.Data);
        Assert.Equal(mask, msi.MaskBits);
        Assert.Equal(pending, msi.PendingBits);
        Assert.Equal((control & 0x80) != 0, msi.Is64Bit);
        Assert.Equal((control & 0x100) != 0, msi.HasPerVectorMask);
    }

    [Theory]
    [InlineData(0, 1)] // log2 0
    [InlineData(1, 2)] // log2 1
    [InlineData(2, 4)] // log2 2
    [InlineData(3, 8)] // log2 3
    [InlineData(4, 16)] // log2 4
    [InlineData(5, 32)] // log2 5, the largest defined
    [InlineData(6, 32)] // reserved encoding, clamped
    [InlineData(7, 32)] // reserved encoding, clamped
    public void MultipleMessageCapable_Log2Field_IsVectorCount(int log2, int vectors)
    {
        // Multiple Message Capable is bits 3:1 of Message Control.
        MsiCapability msi = MsiCapability.Decode(Space((ushort)(log2 << 1)), At);

        Assert.Equal(vectors, msi.MultipleMessageCapable);
        Assert.Equal(1, msi.MultipleMessageEnable);
    }

    [Theory]
    [InlineData(0, 1)] // one vector granted
    [InlineData(1, 2)] // two
    [InlineData(3, 8)] // eight
    [InlineData(5, 32)] // thirty-two
    public void MultipleMessageEnable_Log2Field_IsVectorCount(int log2, int vectors)
    {
        // Multiple Message Enable is bits 6:4, next to a capable field of 32 (bits 3:1 = 5).
        MsiCapability msi = MsiCapability.Decode(Space((ushort)((log2 << 4) | (5 << 1))), At);

        Assert.Equal(vectors, msi.MultipleMessageEnable);
        Assert.Equal(32, msi.MultipleMessageCapable);
    }

    [Theory]
    [InlineData(0x0001, true)] // bit 0 set
    [InlineData(0x01FE, false)] // every other low bit set, enable clear
    public void Enabled_Control_ReadsBitZero(ushort control, bool enabled)
    {
        Assert.Equal(enabled, MsiCapability.Decode(Space(control), At).Enabled);
    }

    [Fact]
    public void Decode_ExtendedDataBits_AppearInFields()
    {
        // Bit 9 extended data capable, bit 10 extended data enable.
        MsiCapability msi = MsiCapability.Decode(Space(0x0600), At);

        Assert.Contains(new DecodedField("extendedDataCapable", true), msi.Fields);
        Assert.Contains(new DecodedField("extendedDataEnable", true), msi.Fields);
    }

    [Fact]
    public void Fields_MaskedLayout_IncludeMaskAndPending()
    {
        MsiCapability msi = MsiCapability.Decode(Space(0x0180), At);

        Assert.Contains(new DecodedField("maskBits", 0x3333L), msi.Fields);
        Assert.Contains(new DecodedField("pendingBits", 0x4444L), msi.Fields);
        Assert.Contains(new DecodedField("address", 0x0000_1111_FEE0_1004ul), msi.Fields);
    }

    [Fact]
    public void Fields_UnmaskedLayout_OmitMaskAndPending()
    {
        MsiCapability msi = MsiCapability.Decode(Space(0x0080), At);

        Assert.DoesNotContain(msi.Fields, f => f.Name is "maskBits" or "pendingBits");
    }

    [Fact]
    public void Title_EnabledSixtyFourBit_ReadsAsLspci()
    {
        // Enable, 4 of 8 vectors granted, 64-bit, no masking.
        MsiCapability msi = MsiCapability.Decode(Space(0x0001 | (3 << 1) | (2 << 4) | 0x0080), At);

        Assert.Equal("MSI: Enable+ Count=4/8 Maskable- 64bit+", msi.Title);
        Assert.Equal("Address: 00001111fee01004  Data: 2222", msi.Details[0]);
    }

    [Fact]
    public void Details_MaskedThirtyTwoBit_ShowMaskingLine()
    {
        MsiCapability msi = MsiCapability.Decode(Space(0x0100), At);

        Assert.Equal(["Address: fee01004  Data: 1111", "Masking: 00002222  Pending: 00003333"], msi.Details);
    }
}
