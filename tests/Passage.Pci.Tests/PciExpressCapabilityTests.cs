using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class PciExpressCapabilityTests
{
    private const int At = 0x80;

    /// <summary>A PCI Express capability at 0x80 with <paramref name="capabilities"/> at +2 and room for version 2 registers.</summary>
    private static ConfigSpaceBuilder Space(int capabilities) => TestSpaces.Endpoint()
        .Capability(At, CapabilityId.PciExpress, new byte[50])
        .Set16(At + 2, (ushort)capabilities);

    private static PciExpressCapability Decode(ConfigSpaceBuilder b) => PciExpressCapability.Decode(b.Build(), At);

    private static object? Field(CapabilityDecoding d, string name) => d.Fields.FirstOrDefault(f => f.Name == name).Value;

    [Theory]
    [InlineData(0x0, PcieDeviceType.Endpoint, true, false, true)] // endpoint
    [InlineData(0x1, PcieDeviceType.LegacyEndpoint, true, false, true)] // legacy endpoint
    [InlineData(0x4, PcieDeviceType.RootPort, false, true, true)] // root port
    [InlineData(0x5, PcieDeviceType.UpstreamPort, false, true, true)] // switch upstream port
    [InlineData(0x6, PcieDeviceType.DownstreamPort, false, true, true)] // switch downstream port
    [InlineData(0x7, PcieDeviceType.PcieToPciBridge, false, true, true)] // PCIe-to-PCI bridge
    [InlineData(0x8, PcieDeviceType.PciToPcieBridge, false, true, true)] // PCI-to-PCIe bridge
    [InlineData(0x9, PcieDeviceType.RootComplexIntegratedEndpoint, true, false, false)] // RCiEP, no link
    [InlineData(0xA, PcieDeviceType.RootComplexEventCollector, false, false, false)] // RCEC, no link
    public void DeviceType_Bits7To4_ClassifyFunction(int type, PcieDeviceType expected, bool function, bool portOrBridge, bool link)
    {
        PciExpressCapability e = Decode(Space((type << 4) | 2));

        Assert.Equal(expected, e.DeviceType);
        Assert.Equal(function, e.IsFunctionType);
        Assert.Equal(portOrBridge, e.IsPortOrBridge);
        Assert.Equal(link, e.HasLink);
        Assert.Equal(2, e.Version);
    }

    [Theory]
    [InlineData(0x0, 0x1000_0000u, true)] // endpoint with bit 28
    [InlineData(0x1, 0x1000_0000u, true)] // legacy endpoint with bit 28
    [InlineData(0x9, 0x1000_0000u, true)] // RCiEP with bit 28
    [InlineData(0x0, 0xEFFF_FFFFu, false)] // endpoint with every bit but 28
    [InlineData(0x4, 0x1000_0000u, false)] // root port: bit 28 is not FLR there
    [InlineData(0x6, 0x1000_0000u, false)] // downstream port
    [InlineData(0x5, 0x1000_0000u, false)] // upstream port
    public void IsFlrCapable_Bit28_OnlyForEndpointTypes(int type, uint deviceCapabilities, bool flr)
    {
        PciExpressCapability e = Decode(Space((type << 4) | 2).Set32(At + 4, deviceCapabilities));

        Assert.Equal(flr, e.IsFlrCapable);
        Assert.Equal(flr, Field(e, "flrCapable"));
    }

    [Theory]
    [InlineData(0x0000, 128, 128)] // MPS 0, MRRS 0
    [InlineData(0x0020, 256, 128)] // MPS code 1 in bits 7:5
    [InlineData(0x2040, 512, 512)] // MPS code 2, MRRS code 2 in bits 14:12
    [InlineData(0x5060, 1024, 4096)] // MPS code 3, MRRS code 5
    [InlineData(0x801F, 128, 128)] // Initiate FLR and reporting bits do not leak into the sizes
    public void MaxPayloadAndReadRequest_DeviceControlFields_AreBytes(int deviceControl, int mps, int mrrs)
    {
        PciExpressCapability e = Decode(Space(0x0002).Set16(At + 8, (ushort)deviceControl));

        Assert.Equal(mps, e.MaxPayload);
        Assert.Equal(mrrs, e.MaxReadRequest);
    }

    [Theory]
    [InlineData(0u, 128)] // code 0
    [InlineData(2u, 512)] // code 2
    [InlineData(0x1000_0005u, 4096)] // code 5 next to the FLR bit
    public void MaxPayloadSupported_DeviceCapabilitiesBits2To0_IsBytes(uint deviceCapabilities, int bytes)
    {
        Assert.Equal(bytes, Decode(Space(0x0002).Set32(At + 4, deviceCapabilities)).MaxPayloadSupported);
    }

    [Theory]
    [InlineData(0x0700_0083u, 0x2042, 3, 8, 2, 4, 7)] // 8 GT/s x8 capable, trained at 5 GT/s x4, port 7
    [InlineData(0x0100_0101u, 0x0011, 1, 16, 1, 1, 1)] // 2.5 GT/s x16 capable, trained x1
    [InlineData(0x0000_0204u, 0x0204, 4, 32, 4, 32, 0)] // 16 GT/s x32
    public void Link_CapabilityAndStatus_DecodeSpeedWidthAndPort(uint linkCapabilities, int linkStatus, int maxSpeed, int maxWidth, int speed, int width, long port)
    {
        PciExpressCapability e = Decode(Space(0x0002).Set32(At + 0x0C, linkCapabilities).Set16(At + 0x12, (ushort)linkStatus));

        Assert.Equal((maxSpeed, maxWidth, speed, width), (e.MaxLinkSpeed, e.MaxLinkWidth, e.LinkSpeed, e.LinkWidth));
        Assert.Equal(port, Field(e, "portNumber"));
        Assert.Equal((linkStatus & 0x2000) != 0, Field(e, "dataLinkLayerActive"));
    }

    [Theory]
    [InlineData(1, "2.5GT/s")] // Gen1
    [InlineData(2, "5GT/s")] // Gen2
    [InlineData(3, "8GT/s")] // Gen3
    [InlineData(4, "16GT/s")] // Gen4
    [InlineData(5, "32GT/s")] // Gen5
    [InlineData(6, "64GT/s")] // Gen6
    [InlineData(0, "unknown")] // reserved
    [InlineData(7, "unknown")] // beyond the table
    public void SpeedName_Code_IsText(int code, string name)
    {
        Assert.Equal(name, PciExpressCapability.SpeedName(code));
    }

    [Theory]
    [InlineData(0x4, true)] // root port shows RRS Software Visibility
    [InlineData(0xA, true)] // event collector has Root Control too
    [InlineData(0x0, false)] // endpoint: Root Control is not its register
    [InlineData(0x6, false)] // downstream port
    public void RrsSoftwareVisibility_RootControlBit4_ReportedForRootTypes(int type, bool reported)
    {
        PciExpressCapability e = Decode(Space((type << 4) | 2).Set16(At + 0x1C, 0x0010));

        Assert.Equal(0x0010, e.RootControl);
        Assert.Equal(reported ? true : null, Field(e, "rrsSoftwareVisibility"));
    }

    [Fact]
    public void RrsSoftwareVisibility_RootControlBit4Clear_ReportedFalse()
    {
        PciExpressCapability e = Decode(Space(0x0042).Set16(At + 0x1C, 0x000F));

        Assert.Equal(false, Field(e, "rrsSoftwareVisibility"));
    }

    [Theory]
    [InlineData(2, 0x0020, true)] // v2 with ARI Forwarding Enable
    [InlineData(2, 0xFFDF, false)] // v2 with every other bit
    [InlineData(1, 0x0020, null)] // v1 has no Device Control 2
    public void AriForwarding_DeviceControl2Bit5_OnlyForVersion2(int version, int deviceControl2, bool? ari)
    {
        PciExpressCapability e = Decode(Space(0x0060 | version).Set16(At + 0x28, (ushort)deviceControl2));

        Assert.Equal(ari, Field(e, "ariForwarding"));
        Assert.Equal(version >= 2 ? deviceControl2 : 0, e.DeviceControl2);
    }

    [Fact]
    public void Decode_Version1_IgnoresDeviceCapabilities2()
    {
        PciExpressCapability e = Decode(Space(0x0001).Set32(At + 0x24, 0x0000_0020));

        Assert.Equal(0u, e.DeviceCapabilities2);
    }

    [Fact]
    public void Decode_Version2_ReadsDeviceCapabilities2()
    {
        PciExpressCapability e = Decode(Space(0x0002).Set32(At + 0x24, 0x0000_0020));

        Assert.Equal(0x20u, e.DeviceCapabilities2);
    }

    [Theory]
    [InlineData(1, 20)] // v1 endpoint ends after Link Status
    [InlineData(2, 52)] // v2 ends after Link Status 2 (0x34)
    public void Length_Version_Is20Or52(int version, int length)
    {
        Assert.Equal(length, Decode(Space(version)).Length);
    }

    [Fact]
    public void DeviceStatus_TransactionsPendingBit5_Decoded()
    {
        PciExpressCapability e = Decode(Space(0x0002).Set16(At + 0x0A, 0x0020));

        Assert.Equal(true, Field(e, "transactionsPending"));
        Assert.Equal(false, Field(Decode(Space(0x0002).Set16(At + 0x0A, 0x001F)), "transactionsPending"));
    }

    [Theory]
    [InlineData(0x0001, "correctableReporting")] // bit 0
    [InlineData(0x0002, "nonFatalReporting")] // bit 1
    [InlineData(0x0004, "fatalReporting")] // bit 2
    [InlineData(0x0008, "unsupportedRequestReporting")] // bit 3
    public void DeviceControl_ReportingBits_DecodedOneEach(int bit, string name)
    {
        PciExpressCapability e = Decode(Space(0x0002).Set16(At + 8, (ushort)bit));

        string[] names = ["correctableReporting", "nonFatalReporting", "fatalReporting", "unsupportedRequestReporting"];
        Assert.All(names, n => Assert.Equal(n == name, Field(e, n)));
    }

    [Theory]
    [InlineData(0x0002, "Express (v2) Endpoint, MSI 00")] // plain endpoint
    [InlineData(0x0142, "Express (v2) Root Port (Slot+), MSI 00")] // root port with a slot
    [InlineData(0x0062, "Express (v2) Downstream Port (Slot-), MSI 00")] // downstream port without a slot
    [InlineData(0x3E01, "Express (v1) Endpoint, MSI 1f")] // interrupt message number 31 in bits 13:9
    public void Title_Capabilities_ReadsAsLspci(int capabilities, string title)
    {
        Assert.Equal(title, Decode(Space(capabilities)).Title);
    }

    [Fact]
    public void HasSlot_Bit8_Decoded()
    {
        Assert.True(Decode(Space(0x0142)).HasSlot);
        Assert.False(Decode(Space(0x0042)).HasSlot);
    }

    [Fact]
    public void Details_RootPortAndEndpoint_DifferInFlrAndRootLines()
    {
        PciExpressCapability endpoint = Decode(Space(0x0002).Set32(At + 4, 0x1000_0000));
        PciExpressCapability rootPort = Decode(Space(0x0042).Set32(At + 4, 0x1000_0000));

        Assert.Contains(endpoint.Details, l => l.Contains("FLReset+", StringComparison.Ordinal));
        Assert.DoesNotContain(rootPort.Details, l => l.Contains("FLReset", StringComparison.Ordinal));
        Assert.Contains(rootPort.Details, l => l.StartsWith("RootCtl:", StringComparison.Ordinal));
        Assert.DoesNotContain(endpoint.Details, l => l.StartsWith("RootCtl:", StringComparison.Ordinal));
    }
}
