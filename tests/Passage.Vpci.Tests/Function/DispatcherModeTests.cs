using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Function;

namespace Passage.Vpci.Tests.Function;

/// <summary>What unemulated config bytes do for a whole function: guest mode, <c>PassthroughGaps</c>, trusted mode (vpci.md §2.5).</summary>
public sealed class DispatcherModeTests
{
    private const int Gap = 0xF0;
    private const int ExtendedGap = 0x200;

    // PM at 0x40 and nothing else: 0x48–0xFF and all of extended space but 0x100 are gaps,
    // with recognisable device bytes in two of them.
    private static LayoutHostDevice WithGapBytes() => new(LayoutLab.Endpoint()
        .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement())
        .Set32(Gap, 0xA5A5_5A5A)
        .Set32(ExtendedGap, 0x1234_5678));

    private static VirtualFunctionOptions Options(string mode) => mode switch
    {
        "guest" => VirtualFunctionOptions.Default,
        "passthrough-gaps" => new VirtualFunctionOptions { PassthroughGaps = true },
        _ => new VirtualFunctionOptions { Mode = DispatcherMode.Trusted },
    };

    private static uint HostRead(GuestLab lab, int offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        Assert.Equal(Errno.None, lab.Device.Inner.Read(VfioRegion.Config, (ulong)offset, bytes));
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    [Theory]
    [InlineData(Gap)] // conventional space
    [InlineData(ExtendedGap)] // extended space
    public void ReadConfig_GapInGuestMode_ReadsOnesWhateverTheHostHolds(int offset)
    {
        using var lab = LayoutLab.Open(WithGapBytes());

        Assert.Equal(uint.MaxValue, lab.Read(offset, 4));
        Assert.Equal(0xFFFFu, lab.Read(offset + 2, 2));
        Assert.Equal(0xFFu, lab.Read(offset + 1, 1));
    }

    [Theory]
    [InlineData(Gap)] // conventional space
    [InlineData(ExtendedGap)] // extended space
    public void WriteConfig_GapInGuestMode_NeverReachesTheHost(int offset)
    {
        using var lab = LayoutLab.Open(WithGapBytes());
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;
        byte[] host = lab.Device.Config.ToArray();

        lab.Write(offset, 4, 0);
        lab.Write(offset + 2, 2, 0);

        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
        Assert.Equal(host, lab.Device.Config.ToArray());
    }

    [Theory]
    [InlineData("passthrough-gaps", Gap, 0xA5A5_5A5Au)] // the device's value
    [InlineData("passthrough-gaps", ExtendedGap, 0x1234_5678u)]
    [InlineData("trusted", Gap, 0xA5A5_5A5Au)]
    [InlineData("trusted", ExtendedGap, 0x1234_5678u)]
    public void ReadConfig_GapWhenGapsGoToTheHost_ShowsTheDeviceValue(string mode, int offset, uint expected)
    {
        using var lab = LayoutLab.Open(WithGapBytes(), Options(mode));

        Assert.Equal(expected, lab.Read(offset, 4));
        Assert.Equal(expected >> 16, lab.Read(offset + 2, 2));
    }

    [Theory]
    [InlineData("passthrough-gaps")]
    [InlineData("trusted")]
    public void WriteConfig_GapWhenGapsGoToTheHost_ForwardedRaw(string mode)
    {
        using var lab = LayoutLab.Open(WithGapBytes(), Options(mode));

        lab.Write(Gap, 4, 0x1122_3344);

        Assert.Equal([0x1122_3344UL], RecordedEvents.ConfigWritesAt(lab.Device.Events, Gap));
        Assert.Equal(0x1122_3344u, lab.Read(Gap, 4));
    }

    [Theory]
    [InlineData("guest")]
    [InlineData("passthrough-gaps")]
    [InlineData("trusted")]
    public void WriteConfig_EmulatedHeaderInEveryMode_StaysEmulated(string mode)
    {
        using var lab = LayoutLab.Open(WithGapBytes(), Options(mode));

        lab.Command = 0xFFFF;
        lab.Write(ConfigOffsets.InterruptLine, 1, 0x0B);

        // Only the writable bits read back (there is no BAR to place); the line is stored only.
        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.SpecialCycles | PciCommand.MemoryWriteInvalidate
            | PciCommand.VgaPaletteSnoop | PciCommand.InterruptDisable), lab.Command);
        Assert.Equal(0x0Bu, lab.Read(ConfigOffsets.InterruptLine, 1));
        Assert.Empty(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.InterruptLine));
    }

    [Theory]
    [InlineData(false, 0x48)] // NIC: between PM and MSI
    [InlineData(false, 0x148)] // NIC: Device Serial Number, hidden
    [InlineData(true, 0x48)]
    [InlineData(true, 0x148)]
    public void ReadConfig_LabNicGap_OnesOrTheValueTheHostPolicyShows(bool passthroughGaps, int offset)
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: new VirtualFunctionOptions { PassthroughGaps = passthroughGaps });
        uint host = HostRead(lab, offset);
        Assert.NotEqual(uint.MaxValue, host);

        Assert.Equal(passthroughGaps ? host : uint.MaxValue, lab.Read(offset, 4));
    }
}
