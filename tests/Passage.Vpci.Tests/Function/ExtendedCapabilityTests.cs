using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Function;

namespace Passage.Vpci.Tests.Function;

/// <summary>The extended list: nothing but virtual AER for guests, every header read-only in trusted mode (vpci.md §4.2).</summary>
public sealed class ExtendedCapabilityTests
{
    private const int Aer = ConfigOffsets.ExtendedCapabilitiesStart;
    private static readonly VirtualFunctionOptions VirtualAer = new() { VirtualAer = true };

    private static uint HostRead(GuestLab lab, int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        Assert.Equal(Errno.None, lab.Device.Inner.Read(VfioRegion.Config, (ulong)offset, bytes));
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    [Theory]
    [InlineData(0x100, 0u)] // the list head: "no extended capabilities"
    [InlineData(0x104, uint.MaxValue)] // AER body, hidden
    [InlineData(0x148, uint.MaxValue)] // Device Serial Number, hidden
    [InlineData(0x1A0, uint.MaxValue)] // TPH, hidden
    [InlineData(0xFFC, uint.MaxValue)] // the last dword
    public void ReadConfig_NothingExposed_HeadReadsZeroAndEverythingElseOnes(int offset, uint expected)
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        Assert.Equal(expected, lab.Read(offset, 4));
    }

    [Fact]
    public void Build_GuestModeWithoutVirtualAer_EveryExtendedCapabilityHiddenWithAReason()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        List<(int Offset, int Id, string Reason)> hidden = [.. lab.Function.HiddenCapabilities.Where(c => c.Extended).Select(c => (c.Offset, c.Id, c.Reason))];

        Assert.Equal([0x100, 0x148, 0x1A0], hidden.Select(h => h.Offset));
        Assert.Contains("virtual AER", hidden[0].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(lab.Function.ExposedCapabilities, c => c.Extended);
    }

    [Fact]
    public void WriteConfig_ExtendedSpaceInGuestMode_NeverReachesTheHost()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        lab.Write(0x100, 4, 0x1234_5678);
        lab.Write(0x104, 4, uint.MaxValue);
        lab.Write(0x14C, 4, 0);

        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
        Assert.Equal(0u, lab.Read(0x100, 4));
    }

    [Fact]
    public void Build_VirtualAerWithHostAerAtTheHead_ExposedAlone0x2CBytesLong()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);

        Assert.Equal(0x0002_0001u, lab.Read(Aer, 4)); // AER, version 2, end of list
        Assert.Equal(0u, lab.Read(Aer + 0x28, 4)); // last header log dword
        Assert.Equal(uint.MaxValue, lab.Read(Aer + 0x2C, 4)); // Root Command: beyond the exposed length
        Assert.Equal(uint.MaxValue, lab.Read(0x148, 4));
        Assert.Single(lab.Function.ExposedCapabilities, c => c.Extended && c.Offset == Aer && c.Id == (int)ExtendedCapabilityId.Aer);
    }

    [Fact]
    public void Build_VirtualAerBehindAHiddenCapabilityAtTheHead_PlaceholderWithIdAndVersionZeroLinksToIt()
    {
        // The GPU: a VSEC at 0x100, AER at 0x150.
        using var lab = GuestLab.Open("0000:01:00.0", options: VirtualAer);

        Assert.Equal(0x150u << 20, lab.Read(0x100, 4));
        Assert.Equal(0x0002_0001u, lab.Read(0x150, 4));
        Assert.Equal(uint.MaxValue, lab.Read(0x104, 4));
    }

    [Fact]
    public void Build_VirtualAerWithoutHostAer_NothingExposedAndNoErrorCanBeReported()
    {
        // The T5 VF has only ARI.
        using var lab = GuestLab.Open("0000:07:00.0", options: VirtualAer);
        int raised = 0;
        lab.Function.ErrorReported += _ => raised++;

        bool reported = lab.Function.ReportError(0x10, 0);

        Assert.Equal(0u, lab.Read(0x100, 4));
        Assert.False(reported);
        Assert.Equal(0, raised);
    }

    [Fact]
    public void ReportError_SetsStatusBitsThatTheGuestClearsByWritingOne()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);
        int raised = 0;
        lab.Function.ErrorReported += _ => raised++;

        Assert.True(lab.Function.ReportError(0x0000_1010, 0x0000_0041));
        uint uncorrectable = lab.Read(Aer + AerCapability.UncorrectableStatusOffset, 4);
        uint correctable = lab.Read(Aer + AerCapability.CorrectableStatusOffset, 4);
        lab.Write(Aer + AerCapability.UncorrectableStatusOffset, 4, 0x10);
        lab.Write(Aer + AerCapability.CorrectableStatusOffset, 4, 0);

        Assert.Equal(1, raised);
        Assert.Equal(0x1010u, uncorrectable);
        Assert.Equal(0x41u, correctable);
        Assert.Equal(0x1000u, lab.Read(Aer + AerCapability.UncorrectableStatusOffset, 4));
        Assert.Equal(0x41u, lab.Read(Aer + AerCapability.CorrectableStatusOffset, 4));
    }

    [Fact]
    public void ReportError_UndefinedBits_Dropped()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);

        lab.Function.ReportError(uint.MaxValue, uint.MaxValue);

        Assert.Equal(AerCapability.UncorrectableDefined, lab.Read(Aer + AerCapability.UncorrectableStatusOffset, 4));
        Assert.Equal(AerCapability.CorrectableDefined, lab.Read(Aer + AerCapability.CorrectableStatusOffset, 4));
    }

    [Fact]
    public void ReportError_FirstUnmaskedError_SetsFirstErrorPointerAndHeaderLog()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);
        lab.Write(Aer + AerCapability.UncorrectableMaskOffset, 4, 0x10);

        lab.Function.ReportError(0x0000_1010, 0, [0x11, 0x22, 0x33, 0x44]);
        lab.Function.ReportError(0x0000_0020, 0, [0x55, 0x66, 0x77, 0x88]);

        // Bit 4 is masked: bit 12 is the first error; the second report finds one pending.
        Assert.Equal(12u, lab.Read(Aer + AerCapability.CapabilitiesControlOffset, 4) & 0x1F);
        Assert.Equal(0x11u, lab.Read(Aer + AerCapability.HeaderLogOffset, 4));
        Assert.Equal(0x44u, lab.Read(Aer + AerCapability.HeaderLogOffset + 12, 4));
    }

    [Theory]
    [InlineData(AerCapability.UncorrectableMaskOffset, AerCapability.UncorrectableDefined)]
    [InlineData(AerCapability.UncorrectableSeverityOffset, AerCapability.UncorrectableDefined)]
    [InlineData(AerCapability.CorrectableMaskOffset, AerCapability.CorrectableDefined)]
    public void WriteConfig_AerMaskOrSeverity_StartsAtHostValueAndStoresDefinedBits(int register, uint defined)
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);
        uint initial = lab.Read(Aer + register, 4);
        uint host = HostRead(lab, Aer + register);

        lab.Write(Aer + register, 4, uint.MaxValue);
        uint ones = lab.Read(Aer + register, 4);
        lab.Write(Aer + register, 4, 0);

        Assert.Equal(host & defined, initial);
        Assert.Equal(defined, ones);
        Assert.Equal(0u, lab.Read(Aer + register, 4));
        Assert.Equal(host, HostRead(lab, Aer + register));
    }

    [Fact]
    public void ReadConfig_AerCapabilitiesAndControl_EcrcBitsReadZeroAndWritesAreDropped()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);
        Assert.NotEqual(0u, HostRead(lab, Aer + AerCapability.CapabilitiesControlOffset) & 0x1E0);

        lab.Write(Aer + AerCapability.CapabilitiesControlOffset, 4, uint.MaxValue);

        Assert.Equal(0u, lab.Read(Aer + AerCapability.CapabilitiesControlOffset, 4) & 0x1FF);
    }

    [Fact]
    public void WriteConfig_VirtualAer_NothingReachesTheHost()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: VirtualAer);
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        for (int at = Aer; at < Aer + 0x2C; at += 4)
        {
            lab.Write(at, 4, uint.MaxValue);
        }

        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
    }

    [Fact]
    public void Build_TrustedMode_EveryExtendedHeaderReadOnlyAndBodiesForwarded()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: new VirtualFunctionOptions { Mode = DispatcherMode.Trusted });
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        lab.Write(0x148, 4, 0);
        uint serialLow = lab.Read(0x14C, 4);

        Assert.Equal(0x1482_0001u, lab.Read(0x100, 4)); // AER v2 → 0x148
        Assert.Equal(0x1A01_0003u, lab.Read(0x148, 4)); // DSN v1 → 0x1A0
        Assert.Equal(0x0001_0017u, lab.Read(0x1A0, 4)); // TPH v1, end
        Assert.Equal(HostRead(lab, 0x148), lab.Read(0x148, 4));
        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
        Assert.Equal(0xFF2B_3A10u, serialLow);
        Assert.Equal(3, lab.Function.ExposedCapabilities.Count(c => c.Extended));
    }

    [Fact]
    public void Build_TrustedModeWithALoopingList_TruncatedWhereItLoops()
    {
        ConfigSpaceBuilder config = LayoutLab.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.DeviceSerialNumber, 1, CapabilityLayouts.DeviceSerialNumber(1))
            .ExtendedCapability(0x140, ExtendedCapabilityId.Ltr, 1, CapabilityLayouts.Ltr());
        config.Set32(0x140, config.Build().Read32(0x140) | (0x100u << 20));
        using var lab = LayoutLab.Open(new LayoutHostDevice(config), new VirtualFunctionOptions { Mode = DispatcherMode.Trusted });

        Assert.Equal(0x1401_0003u, lab.Read(0x100, 4));
        Assert.Equal(0x0001_0018u, lab.Read(0x140, 4));
    }
}
