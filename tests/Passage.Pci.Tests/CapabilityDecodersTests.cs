using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class CapabilityDecodersTests
{
    private static readonly ConfigSpace Space = TestSpaces.Endpoint(0x1AF4, 0x1041).Build();

    [Theory]
    [InlineData(0x01, typeof(PowerManagementCapability))] // PM
    [InlineData(0x05, typeof(MsiCapability))] // MSI
    [InlineData(0x09, typeof(VendorSpecificCapability))] // vendor specific
    [InlineData(0x10, typeof(PciExpressCapability))] // PCI Express
    [InlineData(0x11, typeof(MsixCapability))] // MSI-X
    [InlineData(0x13, typeof(AdvancedFeaturesCapability))] // Advanced Features
    public void Decode_StandardIdWithDecoder_UsesIt(int id, Type type)
    {
        CapabilityDecoding? d = CapabilityDecoders.Decode(Space, new CapabilityEntry(0x40, id, 0, 0, false));

        Assert.IsType(type, d);
        Assert.Equal(0x40, d!.Offset);
    }

    [Theory]
    [InlineData(0x0001, typeof(AerCapability))] // AER
    [InlineData(0x0003, typeof(DeviceSerialNumberCapability))] // DSN
    [InlineData(0x000D, typeof(AcsCapability))] // ACS
    [InlineData(0x000E, typeof(AriCapability))] // ARI
    [InlineData(0x0010, typeof(SriovCapability))] // SR-IOV
    [InlineData(0x0015, typeof(ResizableBarCapability))] // Resizable BAR
    public void Decode_ExtendedIdWithDecoder_UsesIt(int id, Type type)
    {
        CapabilityDecoding? d = CapabilityDecoders.Decode(Space, new CapabilityEntry(0x100, id, 1, 0, true));

        Assert.IsType(type, d);
        Assert.Equal(0x100, d!.Offset);
    }

    [Theory]
    [InlineData(0x03, false)] // VPD: listed, not decoded
    [InlineData(0x14, false)] // Enhanced Allocation
    [InlineData(0x00, false)] // Null capability
    [InlineData(0x0B, true)] // VSEC
    [InlineData(0x13, true)] // PRI (the standard 0x13 decoder must not apply)
    [InlineData(0x05, true)] // Root Complex Link Declaration (not MSI)
    public void Decode_IdWithoutDecoder_ReturnsNull(int id, bool extended)
    {
        Assert.Null(CapabilityDecoders.Decode(Space, new CapabilityEntry(extended ? 0x100 : 0x40, id, 0, 0, extended)));
    }
}
