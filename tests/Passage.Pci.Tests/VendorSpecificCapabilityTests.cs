using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class VendorSpecificCapabilityTests
{
    private const int At = 0x60;

    /// <summary>A vendor-specific capability at 0x60 laid out as a virtio structure locator.</summary>
    private static VendorSpecificCapability Decode(ushort vendor, ushort device, byte length, byte cfgType = 2) => VendorSpecificCapability.Decode(
        TestSpaces.Endpoint(vendor, device)
            .Capability(At, CapabilityId.VendorSpecific, new byte[18])
            .Set8(At + 2, length)
            .Set8(At + 3, cfgType)
            .Set8(At + 4, 4)
            .Set32(At + 8, 0x0000_3000)
            .Set32(At + 12, 0x0000_1000)
            .Set32(At + 16, 0x0000_0004)
            .Build(),
        At);

    [Theory]
    [InlineData(0x1000)] // first transitional virtio device ID
    [InlineData(0x1041)] // virtio 1.0 network
    [InlineData(0x107F)] // last virtio device ID
    public void Decode_VirtioDevice_DecodesStructure(int device)
    {
        VendorSpecificCapability v = Decode(0x1AF4, (ushort)device, 20);

        Assert.Equal(new VirtioStructure(2, 4, 0x3000, 0x1000, 4), v.Virtio);
        Assert.Equal("Vendor Specific Information: VirtIO: Notify", v.Title);
        Assert.Equal(["BAR=4 offset=00003000 size=00001000 multiplier=00000004"], v.Details);
    }

    [Theory]
    [InlineData(0x1AF4, 0x0FFF)] // virtio vendor, device below the range
    [InlineData(0x1AF4, 0x1080)] // virtio vendor, device above the range
    [InlineData(0x8086, 0x1041)] // virtio device ID under another vendor
    [InlineData(0x10DE, 0x1000)] // another vendor
    public void Decode_NotVirtio_LeavesStructureUndecoded(int vendor, int device)
    {
        VendorSpecificCapability v = Decode((ushort)vendor, (ushort)device, 20);

        Assert.Null(v.Virtio);
        Assert.Equal("Vendor Specific Information: Len=14 <?>", v.Title);
        Assert.Empty(v.Details);
        Assert.Equal([new DecodedField("length", 20L)], v.Fields);
    }

    [Theory]
    [InlineData(1, "CommonCfg")] // common configuration
    [InlineData(3, "ISR")] // ISR status
    [InlineData(4, "DeviceCfg")] // device configuration
    [InlineData(5, "PCICfg")] // PCI configuration access
    [InlineData(8, "SharedMemory")] // shared memory region
    [InlineData(7, "<unknown>")] // unassigned type
    [InlineData(0x20, "<unknown>")] // beyond the table
    public void Title_VirtioType_NamesStructure(int cfgType, string name)
    {
        VendorSpecificCapability v = Decode(0x1AF4, 0x1042, 16, (byte)cfgType);

        Assert.Equal(cfgType, v.Virtio!.Type);
        Assert.Equal("Vendor Specific Information: VirtIO: " + name, v.Title);
        Assert.Null(v.Virtio.NotifyMultiplier);
    }

    [Fact]
    public void Decode_VirtioNotifyShorterThan20_HasNoMultiplier()
    {
        VendorSpecificCapability v = Decode(0x1AF4, 0x1042, 16);

        Assert.Equal(new VirtioStructure(2, 4, 0x3000, 0x1000, null), v.Virtio);
    }

    [Fact]
    public void Decode_VirtioLengthBelow16_LeavesStructureUndecoded()
    {
        Assert.Null(Decode(0x1AF4, 0x1042, 15).Virtio);
    }

    [Theory]
    [InlineData(0x0C, 12)] // declared length
    [InlineData(0x40, 64)] // long vendor block
    [InlineData(0x00, 3)] // nonsense: at least ID, next and length
    [InlineData(0x02, 3)] // nonsense below the length byte itself
    public void Length_LengthByte_IsDeclaredLength(int declared, int length)
    {
        VendorSpecificCapability v = Decode(0x8086, 0x1521, (byte)declared);

        Assert.Equal(declared, v.DeclaredLength);
        Assert.Equal(length, v.Length);
    }

    [Fact]
    public void Fields_Virtio_CarryLocator()
    {
        VendorSpecificCapability v = Decode(0x1AF4, 0x1041, 20);

        Assert.Equal(
            [
                new DecodedField("length", 20L),
                new DecodedField("virtioType", 2L),
                new DecodedField("virtioTypeName", "Notify"),
                new DecodedField("bar", 4L),
                new DecodedField("barOffset", 0x3000L),
                new DecodedField("size", 0x1000L),
                new DecodedField("notifyMultiplier", 4L),
            ],
            v.Fields);
    }
}
