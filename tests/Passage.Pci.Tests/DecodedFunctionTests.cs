using System.Buffers.Binary;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Pci.Tests;

public sealed class DecodedFunctionTests
{
    /// <summary>An endpoint with one of each decoded standard capability, VPD, and four extended ones.</summary>
    private static ConfigSpace Rich() => TestSpaces.Endpoint()
        .Bar(0, BarKind.Mem64, 0x40_0000_0000)
        .Bar(2, BarKind.Io, 0xE000)
        .Set32(0x30, 0xFEB0_0001)
        .Capability(0x40, CapabilityId.PowerManagement, [0x03, 0x00, 0x08, 0x00, 0, 0])
        .Capability(0x48, CapabilityId.AdvancedFeatures, [6, 0x03, 0, 0])
        .Capability(0x50, CapabilityId.Msi, [0x80, 0x00, .. new byte[12]])
        .Capability(0x64, CapabilityId.Vpd, new byte[6])
        .Capability(0x70, CapabilityId.MsiX, [0x1F, 0x00, 0x00, 0x20, 0, 0, 0x00, 0x30, 0, 0])
        .Capability(0x80, CapabilityId.PciExpress, [0x02, 0x00, .. new byte[48]])
        .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, new byte[0x44])
        .ExtendedCapability(0x148, ExtendedCapabilityId.Acs, 1, [0x1D, 0x00, 0x1D, 0x00])
        .ExtendedCapability(0x150, ExtendedCapabilityId.Sriov, 1, new byte[0x3C])
        .ExtendedCapability(0x190, 0x0042, 1, new byte[4])
        .Build();

    [Fact]
    public void Decode_RichEndpoint_ListsBothChainsInOrder()
    {
        DecodedFunction f = DecodedFunction.Decode(Rich());

        Assert.Equal([(0x40, 0x01), (0x48, 0x13), (0x50, 0x05), (0x64, 0x03), (0x70, 0x11), (0x80, 0x10)], f.Capabilities.Select(c => (c.Entry.Offset, c.Entry.Id)));
        Assert.Equal([(0x100, 0x01), (0x148, 0x0D), (0x150, 0x10), (0x190, 0x42)], f.ExtendedCapabilities.Select(c => (c.Entry.Offset, c.Entry.Id)));
        Assert.Empty(f.Problems);
    }

    [Fact]
    public void Decode_RichEndpoint_FindsEachDecodedCapabilityAtItsOffset()
    {
        DecodedFunction f = DecodedFunction.Decode(Rich());

        Assert.Equal(0x40, f.PowerManagement!.Offset);
        Assert.Equal(0x48, f.AdvancedFeatures!.Offset);
        Assert.Equal(0x50, f.Msi!.Offset);
        Assert.Equal(0x70, f.Msix!.Offset);
        Assert.Equal(0x80, f.Pcie!.Offset);
        Assert.Equal(0x100, f.Aer!.Offset);
        Assert.Equal(0x148, f.Acs!.Offset);
        Assert.Equal(0x150, f.Sriov!.Offset);
        Assert.True(f.PowerManagement.NoSoftResetSet);
        Assert.True(f.AdvancedFeatures.SupportsFlr);
        Assert.True(f.Msi.Is64Bit);
        Assert.Equal((32, 0x2000u, 0x3000u), (f.Msix.TableSize, f.Msix.TableBarOffset, f.Msix.PbaBarOffset));
        Assert.True(f.Acs.IsolationEnabled);
    }

    [Fact]
    public void Decode_CapabilityWithoutDecoder_ListedByNameWithoutFields()
    {
        DecodedFunction f = DecodedFunction.Decode(Rich());

        DecodedCapability vpd = f.Capabilities.Single(c => c.Entry.Offset == 0x64);
        Assert.Null(vpd.Decoded);
        Assert.Empty(vpd.Fields);
        Assert.Equal("Vital Product Data", vpd.Name);
        DecodedCapability unknown = f.ExtendedCapabilities.Single(c => c.Entry.Offset == 0x190);
        Assert.Null(unknown.Decoded);
        Assert.Equal("Unknown (0x0042)", unknown.Name);
    }

    [Fact]
    public void Decode_DecodedCapability_ExposesDecoderFields()
    {
        DecodedFunction f = DecodedFunction.Decode(Rich());

        DecodedCapability pm = f.Capabilities[0];
        Assert.Equal("Power Management", pm.Name);
        Assert.Contains(new DecodedField("noSoftReset", true), pm.Fields);
    }

    [Fact]
    public void Decode_BarsAndRom_FromHeader()
    {
        DecodedFunction f = DecodedFunction.Decode(Rich(), new Dictionary<int, ulong> { [0] = 0x8_0000 }, romSize: 0x1_0000);

        Assert.Equal([new PciBar(0, BarKind.Mem64, false, 0x40_0000_0000, 0x8_0000), new PciBar(2, BarKind.Io, false, 0xE000, null)], f.Bars);
        Assert.Equal(new ExpansionRom(0xFEB0_0000, true, 0x1_0000), f.Rom);
        Assert.Null(f.Bridge);
        Assert.False(f.IsBridge);
    }

    [Fact]
    public void Finders_TwoMsiCapabilities_ReturnFirst()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x50, CapabilityId.Msi, new byte[8])
            .Capability(0x60, CapabilityId.Msi, [0x80, 0x00, .. new byte[12]])
            .Build();

        Assert.Equal(0x50, DecodedFunction.Decode(c).Msi!.Offset);
    }

    [Fact]
    public void Finders_NoCapabilities_ReturnNull()
    {
        DecodedFunction f = DecodedFunction.Decode(TestSpaces.Endpoint().Build());

        Assert.Null(f.Msi);
        Assert.Null(f.Msix);
        Assert.Null(f.Pcie);
        Assert.Null(f.PowerManagement);
        Assert.Null(f.AdvancedFeatures);
        Assert.Null(f.Aer);
        Assert.Null(f.Acs);
        Assert.Null(f.Sriov);
        Assert.Empty(f.Capabilities);
        Assert.Empty(f.ExtendedCapabilities);
    }

    [Fact]
    public void Decode_BridgeHeader_DecodesBridgeFields()
    {
        ConfigSpace c = TestSpaces.Bridge()
            .Set32(0x18, 0x0003_0200)
            .Capability(0x40, CapabilityId.PciExpress, [0x62, 0x00, .. new byte[48]])
            .Build();

        DecodedFunction f = DecodedFunction.Decode(c);

        Assert.True(f.IsBridge);
        Assert.Equal((2, 3), (f.Bridge!.SecondaryBus, f.Bridge.SubordinateBus));
        Assert.Equal(PcieDeviceType.DownstreamPort, f.Pcie!.DeviceType);
    }

    [Theory]
    [InlineData(0x42, true)] // root port
    [InlineData(0x52, true)] // upstream port
    [InlineData(0x72, true)] // PCIe-to-PCI bridge
    [InlineData(0x02, false)] // endpoint
    [InlineData(0x92, false)] // RCiEP
    public void IsBridge_Type0HeaderWithPcieType_FollowsPortType(int capabilities, bool bridge)
    {
        ConfigSpace c = TestSpaces.Endpoint().Capability(0x40, CapabilityId.PciExpress, [(byte)capabilities, 0x00, .. new byte[48]]).Build();

        Assert.Equal(bridge, DecodedFunction.Decode(c).IsBridge);
    }

    [Fact]
    public void Decode_BothChainsBroken_ReportsStandardThenExtendedProblem()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, new byte[6])
            .Set8(0x41, 0x40)
            .Set32(0x100, (0x080u << 20) | 0x0001_0001)
            .Build();

        DecodedFunction f = DecodedFunction.Decode(c);

        Assert.Equal(
            [(ChainProblemKind.Loop, false, 0x40), (ChainProblemKind.PointerIntoHeader, true, 0x80)],
            f.Problems.Select(p => (p.Kind, p.Extended, p.Offset)));
        Assert.Single(f.Capabilities);
        Assert.Single(f.ExtendedCapabilities);
    }

    [Fact]
    public void Decode_SixtyFourByteCapture_ReportsTruncationWithoutThrowing()
    {
        ConfigSpace c = new ConfigSpaceBuilder(64)
            .Identity(0x8086, 0x1521, 0x02_00_00)
            .Status(PciStatus.CapabilitiesList)
            .Set8(ConfigOffsets.CapabilitiesPointer, 0x40)
            .Set32(0x10, 0xFE00_0000)
            .Build();

        DecodedFunction f = DecodedFunction.Decode(c);

        Assert.Equal([new PciBar(0, BarKind.Mem32, false, 0xFE00_0000, null)], f.Bars);
        Assert.Empty(f.Capabilities);
        Assert.Empty(f.ExtendedCapabilities);
        Assert.Equal([(ChainProblemKind.Truncated, 0x40)], f.Problems.Select(p => (p.Kind, p.Offset)));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Decode_RandomBytes_NeverThrowsAndRendersEveryCapability(int seed)
    {
        var random = new Random(seed);
        int[] standardIds = [0x01, 0x05, 0x09, 0x10, 0x11, 0x13];
        ushort[] extendedIds = [0x01, 0x03, 0x0D, 0x0E, 0x10, 0x15];
        for (int round = 0; round < 100; round++)
        {
            byte[] bytes = new byte[ConfigOffsets.ExtendedSize];
            random.NextBytes(bytes);

            // Random bodies behind capability headers the decoders know, so every decoder sees garbage.
            bytes[0x00] = 0xF4;
            bytes[0x01] = 0x1A;
            bytes[0x02] = 0x41;
            bytes[0x03] = 0x10;
            bytes[ConfigOffsets.Status] |= (byte)PciStatus.CapabilitiesList;
            bytes[ConfigOffsets.CapabilitiesPointer] = 0x40;
            for (int i = 0; i < standardIds.Length; i++)
            {
                bytes[0x40 + (0x20 * i)] = (byte)standardIds[i];
                bytes[0x41 + (0x20 * i)] = (byte)(i + 1 < standardIds.Length ? 0x40 + (0x20 * (i + 1)) : 0);
            }

            for (int i = 0; i < extendedIds.Length; i++)
            {
                int at = 0x100 + (0x80 * i);
                uint next = i + 1 < extendedIds.Length ? (uint)(at + 0x80) : 0;
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), (next << 20) | (1u << 16) | extendedIds[i]);
            }

            DecodedFunction f = DecodedFunction.Decode(new ConfigSpace(bytes));

            Assert.Equal(standardIds.Length, f.Capabilities.Count);
            Assert.Equal(extendedIds.Length, f.ExtendedCapabilities.Count);
            Assert.All(f.Capabilities.Concat(f.ExtendedCapabilities), c =>
            {
                Assert.NotNull(c.Decoded);
                Assert.NotEmpty(c.Decoded.Title);
                Assert.InRange(c.Decoded.Length, 3, 0xFFF);
                _ = c.Decoded.Details.Count;
                Assert.NotEmpty(c.Fields);
            });
        }
    }
}
