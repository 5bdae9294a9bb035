using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class ResizableBarCapabilityTests
{
    private const int At = 0x200;

    private const ulong MiB = 1UL << 20;

    private const ulong GiB = 1UL << 30;

    private static ConfigSpaceBuilder Space() => TestSpaces.Endpoint()
        .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, new byte[0x44])
        .ExtendedCapability(At, ExtendedCapabilityId.ResizableBar, 1, new byte[0x30]);

    [Fact]
    public void Decode_OneBar_ReadsSupportedAndCurrentSizes()
    {
        // Capability bits 4..13: 1 MiB … 512 MiB. Control: BAR 0, one BAR (7:5 = 1), current code 8 (256 MiB).
        ResizableBarCapability r = ResizableBarCapability.Decode(
            Space().Set32(At + 4, 0x0000_3FF0).Set32(At + 8, 0x0000_0820).Build(), At);

        ResizableBarEntry e = Assert.Single(r.Entries);
        Assert.Equal(0, e.BarIndex);
        Assert.Equal(256 * MiB, e.CurrentSizeBytes);
        Assert.Equal(Enumerable.Range(20, 10).Select(k => 1UL << k), e.SupportedSizesBytes);
        Assert.Equal(12, r.Length);
    }

    [Fact]
    public void Decode_ThreeBars_CountFromFirstControlRegister()
    {
        // First control: BAR 0, three BARs (7:5 = 3); later entries carry BAR 2 and BAR 4.
        ResizableBarCapability r = ResizableBarCapability.Decode(
            Space()
                .Set32(At + 0x04, 0x0000_0010).Set32(At + 0x08, 0x0000_0060) // BAR 0: 1 MiB, current 1 MiB
                .Set32(At + 0x0C, 0x0000_0100).Set32(At + 0x10, 0x0000_0402) // BAR 2: 16 MiB, current code 4
                .Set32(At + 0x14, 0x0000_4000).Set32(At + 0x18, 0x0000_0A04) // BAR 4: 1 GiB, current code 10
                .Build(),
            At);

        Assert.Equal([0, 2, 4], r.Entries.Select(e => e.BarIndex));
        Assert.Equal([MiB, 16 * MiB, GiB], r.Entries.Select(e => e.CurrentSizeBytes));
        Assert.Equal([MiB], r.Entries[0].SupportedSizesBytes);
        Assert.Equal([16 * MiB], r.Entries[1].SupportedSizesBytes);
        Assert.Equal([GiB], r.Entries[2].SupportedSizesBytes);
        Assert.Equal(4 + (3 * 8), r.Length);
    }

    [Fact]
    public void Decode_LaterControlCountField_Ignored()
    {
        // Only the first control register's 7:5 counts; a second one claiming 6 BARs changes nothing.
        ResizableBarCapability r = ResizableBarCapability.Decode(
            Space().Set32(At + 0x08, 0x0000_0020).Set32(At + 0x10, 0x0000_00C2).Build(), At);

        Assert.Single(r.Entries);
    }

    [Theory]
    [InlineData(4, 1UL << 20)] // bit 4: 1 MiB
    [InlineData(5, 1UL << 21)] // bit 5: 2 MiB
    [InlineData(14, 1UL << 30)] // bit 14: 1 GiB
    [InlineData(31, 1UL << 47)] // bit 31: 128 TiB
    public void SupportedSizesBytes_BitK_IsTwoToKPlus16(int bit, ulong bytes)
    {
        var e = new ResizableBarEntry(0, 1u << bit, 0);

        Assert.Equal([bytes], e.SupportedSizesBytes);
    }

    [Theory]
    [InlineData(0, 1UL << 20)] // code 0: 1 MiB
    [InlineData(1, 1UL << 21)] // code 1: 2 MiB
    [InlineData(13, 1UL << 33)] // code 13: 8 GiB
    [InlineData(27, 1UL << 47)] // code 27: 128 TiB
    public void CurrentSizeBytes_Code_IsTwoTo20PlusCode(int code, ulong bytes)
    {
        Assert.Equal(bytes, new ResizableBarEntry(0, 0, code).CurrentSizeBytes);
    }

    [Fact]
    public void Decode_ControlFields_MaskedToTheirBits()
    {
        // Control 0x3F27: BAR index 7 (2:0), count 1 (7:5), current code 0x3F (13:8).
        ResizableBarEntry e = Assert.Single(ResizableBarCapability.Decode(Space().Set32(At + 8, 0x0000_3F27).Build(), At).Entries);

        Assert.Equal((7, 0x3F), (e.BarIndex, e.CurrentSizeCode));
    }

    [Fact]
    public void Decode_CapabilityLowBits_NotSizes()
    {
        // Bits 3:0 of the capability register are reserved and never a size.
        ResizableBarEntry e = Assert.Single(ResizableBarCapability.Decode(Space().Set32(At + 4, 0x0000_001F).Set32(At + 8, 0x20).Build(), At).Entries);

        Assert.Equal(0x10u, e.SupportedMask);
        Assert.Equal([MiB], e.SupportedSizesBytes);
    }

    [Fact]
    public void Details_MixedSizes_PrintedInMegabytesAndGigabytes()
    {
        ResizableBarCapability r = ResizableBarCapability.Decode(
            Space().Set32(At + 4, 0x0000_C010).Set32(At + 8, 0x0000_0B21).Build(), At);

        Assert.Equal(["BAR 1: current size: 2GB, supported: 1MB 1GB 2GB"], r.Details);
    }
}
