using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Function;

namespace Passage.Vpci.Tests.Function;

/// <summary>The memory-decode toggle: ordering against the host Command, what goes on the bus and how, refusals (vpci.md §5.3).</summary>
public sealed class MemoryDecodeTests
{
    private const ulong Base = GuestLab.Mmio32;
    private const ulong TablePage = 0x4000;
    private const ulong Forwarded = 0x6000;
    private const ulong SecondArea = 0x8000;

    // BAR0 of 64 KiB: mappable areas [0, 0x4000) and [0x8000, 0x10000); the MSI-X table (4 entries)
    // at 0x4000 and its PBA at 0x4800 share one trapped page; [0x5000, 0x8000) is neither: forwarded.
    private static LayoutHostDevice Sparse(bool failMaps = false) =>
        new LayoutHostDevice(LayoutLab.Endpoint()
            .Bar(0, BarKind.Mem32, 0)
            .Capability(0x40, CapabilityId.MsiX, CapabilityLayouts.Msix(4, tableBir: 0, tableOffset: (uint)TablePage, pbaBir: 0, pbaOffset: (uint)TablePage + 0x800)))
        {
            MsixCount = 4,
            FailMaps = failMaps,
        }.WithBar(0, 0x10000, mappable: true, new SparseArea(0, TablePage), new SparseArea(SecondArea, 0x8000));

    private static ushort HostCommand(LayoutHostDevice device) => BinaryPrimitives.ReadUInt16LittleEndian(device.Config[ConfigOffsets.Command..]);

    private static bool HasMemory(ulong command) => (command & (ulong)PciCommand.MemorySpace) != 0;

    [Fact]
    public void WriteConfig_MemoryOn_HostCommandWrittenBeforeWindowsAppear()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        lab.PlaceBars();
        var seen = new List<(string Event, int Ranges)>();
        lab.Device.OnConfigWrite = offset =>
        {
            if (offset == ConfigOffsets.Command)
            {
                seen.Add((lab.Device.Events[^1], lab.Mmio.Count));
            }
        };

        lab.Command = (ushort)PciCommand.MemorySpace;

        (string Event, int Ranges) decodeOn = Assert.Single(seen, s => HasMemory(RecordedEvents.ConfigWritesAt([s.Event], ConfigOffsets.Command)[0]));
        Assert.Equal(1, decodeOn.Ranges); // RAM only
        Assert.True(lab.Mmio.Count > 1);
        Assert.True(lab.Function.MemoryDecoding);
    }

    [Fact]
    public void WriteConfig_MemoryOff_WindowsRemovedBeforeHostCommand()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        lab.Enable();
        var seen = new List<(string Event, int Ranges)>();
        lab.Device.OnConfigWrite = offset =>
        {
            if (offset == ConfigOffsets.Command)
            {
                seen.Add((lab.Device.Events[^1], lab.Mmio.Count));
            }
        };

        lab.Command = (ushort)PciCommand.BusMaster;

        (string Event, int Ranges) decodeOff = Assert.Single(seen);
        Assert.False(HasMemory(RecordedEvents.ConfigWritesAt([decodeOff.Event], ConfigOffsets.Command)[0]));
        Assert.Equal(1, decodeOff.Ranges);
        Assert.False(lab.Function.MemoryDecoding);
    }

    [Fact]
    public void MmioWrite_MappableArea_ReachesTheMappingWithoutAHostCall()
    {
        using var lab = LayoutLab.Open(Sparse());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;

        lab.MmioWrite(Base + 0x100, 4, 0x1122_3344);
        lab.MmioWrite(Base + SecondArea + 0x10, 4, 0x5566_7788);

        Assert.Equal(0x1122_3344u, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Bar(0).AsSpan(0x100)));
        Assert.Equal(0x5566_7788u, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Bar(0).AsSpan((int)SecondArea + 0x10)));
        Assert.DoesNotContain(lab.Device.Events, e => e.StartsWith("bar-", StringComparison.Ordinal));
        Assert.Equal(["map 0 0", "map 0 1"], lab.Device.Events.Where(e => e.StartsWith("map", StringComparison.Ordinal)));
    }

    [Fact]
    public void MmioRead_MappableArea_ReadsTheDeviceBytes()
    {
        using var lab = LayoutLab.Open(Sparse());
        BinaryPrimitives.WriteUInt32LittleEndian(lab.Device.Bar(0).AsSpan((int)SecondArea + 0x200), 0xA5A5_5A5A);
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;

        Assert.Equal(0xA5A5_5A5AUL, lab.MmioRead(Base + SecondArea + 0x200, 4));
        Assert.DoesNotContain(lab.Device.Events, e => e.StartsWith("bar-read", StringComparison.Ordinal));
    }

    [Fact]
    public void MmioWrite_OutsideMappableAreas_ForwardedAtTheGuestWidthAndOffset()
    {
        using var lab = LayoutLab.Open(Sparse());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;

        lab.MmioWrite(Base + Forwarded + 0x22, 2, 0xBEEF);
        ulong read = lab.MmioRead(Base + Forwarded + 0x22, 2);

        Assert.Contains("bar-write 0 0x6022 2 0xbeef", lab.Device.Events);
        Assert.Contains("bar-read 0 0x6022 2", lab.Device.Events);
        Assert.Equal(0xBEEFUL, read);
    }

    [Fact]
    public void MmioWrite_MsixTable_EmulatedAndNeverReachesTheDevice()
    {
        using var lab = LayoutLab.Open(Sparse());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;

        lab.MmioWrite(Base + TablePage, 4, 0xFEE0_1000);

        Assert.Equal(0xFEE0_1000UL, lab.MmioRead(Base + TablePage, 4));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Bar(0).AsSpan((int)TablePage)));
        Assert.DoesNotContain(lab.Device.Events, e => e.StartsWith("bar-", StringComparison.Ordinal));
    }

    [Fact]
    public void MmioWrite_BesideTheTableOnItsPage_ForwardedToTheDevice()
    {
        using var lab = LayoutLab.Open(Sparse());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;

        lab.MmioWrite(Base + TablePage + 0xC00, 4, 0x0BAD_F00D);

        Assert.Contains("bar-write 0 0x4c00 4 0xbadf00d", lab.Device.Events);
        Assert.Equal(0x0BAD_F00Du, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Bar(0).AsSpan((int)TablePage + 0xC00)));
    }

    [Fact]
    public void MmioWrite_MsixPageInsideAWhollyMappableBar_StillTrapped()
    {
        LayoutHostDevice device = new LayoutHostDevice(LayoutLab.Endpoint()
            .Bar(0, BarKind.Mem32, 0)
            .Capability(0x40, CapabilityId.MsiX, CapabilityLayouts.Msix(4, tableBir: 0, tableOffset: (uint)TablePage, pbaBir: 0, pbaOffset: (uint)TablePage + 0x800)))
        {
            MsixCount = 4,
        }.WithBar(0, 0x10000, mappable: true);
        using var lab = LayoutLab.Open(device);
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;

        lab.MmioWrite(Base + TablePage, 4, 0xFEE0_1000);
        lab.MmioWrite(Base + 0x100, 4, 0x1234_5678);
        lab.MmioWrite(Base + TablePage + 0x1000, 4, 0x8765_4321);

        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(device.Bar(0).AsSpan((int)TablePage)));
        Assert.Equal(0x1234_5678u, BinaryPrimitives.ReadUInt32LittleEndian(device.Bar(0).AsSpan(0x100)));
        Assert.Equal(0x8765_4321u, BinaryPrimitives.ReadUInt32LittleEndian(device.Bar(0).AsSpan((int)TablePage + 0x1000)));
    }

    [Fact]
    public void MmioAccess_LabNicControlBlock_ForwardedToTheDevice()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();
        ulong scratch = bars[lab.Control.Bar] + lab.Control.Offset + SimControlBlock.Scratch;

        lab.MmioWrite(scratch, 4, 0x1234_5678);

        Span<byte> device = stackalloc byte[4];
        Assert.Equal(Errno.None, lab.Device.Inner.Read(lab.Control.Bar, lab.Control.Offset + SimControlBlock.Scratch, device));
        Assert.Equal(0x1234_5678u, BinaryPrimitives.ReadUInt32LittleEndian(device));
        Assert.Equal(0x1234_5678UL, lab.MmioRead(scratch, 4));
    }

    [Fact]
    public void WriteConfig_MemoryOnOverRam_RefusedBeforeTheHostIsTouched()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        // No BAR placed: every one sits at 0, inside RAM.
        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);

        Assert.Equal((ushort)PciCommand.BusMaster, lab.Command);
        Assert.False(lab.Function.MemoryDecoding);
        Assert.Equal(1, lab.Mmio.Count);
        Assert.DoesNotContain(lab.Device.Events, e => e.StartsWith("map", StringComparison.Ordinal));
        Assert.DoesNotContain(RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Command), HasMemory);
        Assert.Contains(lab.Log, l => l.Contains("memory decoding refused", StringComparison.Ordinal) && l.Contains("overlaps RAM", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteConfig_MemoryOnRefusedOverRam_OtherCommandBitsStillReachTheHost()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);

        ulong host = RecordedEvents.ConfigWritesAt(lab.Device.Events, ConfigOffsets.Command)[^1];
        Assert.Equal((ulong)PciCommand.BusMaster, host & (ulong)(PciCommand.BusMaster | PciCommand.MemorySpace));
    }

    [Fact]
    public void WriteConfig_MemoryOnRefusedByThePlan_OtherCommandBitsStillReachTheHost()
    {
        // A sub-page BAR whose guest page offset differs from the host's cannot be mapped.
        LayoutHostDevice device = new LayoutHostDevice(LayoutLab.Endpoint().Bar(0, BarKind.Mem32, 0)).WithBar(0, 0x800, mappable: true);
        using var lab = LayoutLab.Open(device);
        lab.PlaceBar(0, Base + 0x800);

        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);

        Assert.Equal((ushort)PciCommand.BusMaster, lab.Command);
        Assert.Equal((ushort)PciCommand.BusMaster, HostCommand(device) & (ushort)(PciCommand.BusMaster | PciCommand.MemorySpace));
    }

    [Fact]
    public void WriteConfig_MemoryOnOverAnotherFunctionsBar_RefusedAndTheOtherKeepsItsWindow()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] nicBars = lab.Enable();
        var log = new List<string>();
        using var nvmeDevice = new SimDevice(lab.Host, PciAddress.Parse("0000:06:00.0"));
        using var nvme = new VirtualFunction(nvmeDevice, lab.Mmio, lab.Router, new VirtualFunctionOptions { Log = log.Add });
        int ranges = lab.Mmio.Count;
        ulong scratch = nicBars[lab.Control.Bar] + lab.Control.Offset + SimControlBlock.Scratch;

        nvme.WriteConfig(ConfigOffsets.Bar0, 4, (uint)nicBars[0]);
        nvme.WriteConfig(ConfigOffsets.Bar0 + 4, 4, 0);
        nvme.WriteConfig(ConfigOffsets.Command, 2, (uint)PciCommand.MemorySpace);
        lab.MmioWrite(scratch, 4, 0xCAFE);

        Assert.Equal(0u, nvme.ReadConfig(ConfigOffsets.Command, 2));
        Assert.False(nvme.MemoryDecoding);
        Assert.Equal(ranges, lab.Mmio.Count);
        Assert.Contains(log, l => l.Contains("overlaps", StringComparison.Ordinal));
        Assert.Equal(0xCAFEUL, lab.MmioRead(scratch, 4));

        nvme.WriteConfig(ConfigOffsets.Bar0, 4, 0x9000_0000);
        nvme.WriteConfig(ConfigOffsets.Command, 2, (uint)PciCommand.MemorySpace);

        Assert.True(nvme.MemoryDecoding);
        Assert.True(lab.Mmio.Count > ranges);
    }

    [Fact]
    public void WriteConfig_MemoryOff_DropsTheMappingsAndTheOldAddressNoLongerReachesTheDevice()
    {
        using var lab = LayoutLab.Open(Sparse());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;
        List<LayoutHostDevice.Mapping> taken = [.. lab.Device.Mappings];

        lab.Command = 0;
        lab.PlaceBar(0, Base + 0x10_0000);
        lab.Command = (ushort)PciCommand.MemorySpace;
        lab.MmioWrite(Base + 0x100, 4, 0xDEAD_BEEF);
        lab.MmioWrite(Base + 0x10_0000 + 0x104, 4, 0x600D_F00D);

        Assert.Equal(2, taken.Count);
        Assert.All(taken, m => Assert.True(m.Disposed));
        Assert.All(taken, m => Assert.Throws<ObjectDisposedException>(() => m.Span.Length));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Bar(0).AsSpan(0x100)));
        Assert.Equal(0x600D_F00Du, BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Bar(0).AsSpan(0x104)));
        Assert.Equal(4, lab.Device.Mappings.Count);
    }

    [Fact]
    public void WriteConfig_MemoryOffUnmapsBeforeTheHostCommandIsWritten()
    {
        using var lab = LayoutLab.Open(Sparse());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)PciCommand.MemorySpace;
        int from = lab.Device.Events.Count;

        lab.Command = 0;

        List<string> after = [.. lab.Device.Events.Skip(from)];
        Assert.Equal(["unmap 0 0", "unmap 0 1", "config-write 0x4 2 0x0"], after);
    }

    [Fact]
    public void WriteConfig_MemoryOnWhenTheHostCannotMap_RefusedWithNothingLeft()
    {
        using var lab = LayoutLab.Open(Sparse(failMaps: true));
        lab.PlaceBar(0, Base);

        lab.Command = (ushort)PciCommand.MemorySpace;

        Assert.Equal(0, lab.Command);
        Assert.False(lab.Function.MemoryDecoding);
        Assert.Equal(1, lab.Mmio.Count);
        Assert.False(HasMemory(HostCommand(lab.Device)));
        Assert.Contains(lab.Log, l => l.Contains("cannot be mapped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0x800UL, false)] // guest offset 0x800 within its page, host offset 0: refused
    [InlineData(0x1000UL, true)] // page aligned: mapped
    public void WriteConfig_MemoryOnWithSubPageBar_MappedOnlyWhenPageOffsetsAgree(ulong offset, bool mapped)
    {
        LayoutHostDevice device = new LayoutHostDevice(LayoutLab.Endpoint().Bar(0, BarKind.Mem32, 0)).WithBar(0, 0x800, mappable: true);
        using var lab = LayoutLab.Open(device);
        lab.PlaceBar(0, Base + offset);

        lab.Command = (ushort)PciCommand.MemorySpace;

        Assert.Equal(mapped ? (ushort)PciCommand.MemorySpace : 0, lab.Command);
        Assert.Equal(mapped, lab.Function.MemoryDecoding);
        Assert.Equal(mapped ? 1 : 0, device.Events.Count(e => e == "map 0 0"));
        Assert.Equal(mapped, !lab.Log.Exists(l => l.Contains("4 KiB page", StringComparison.Ordinal)));
    }

    [Fact]
    public void MmioAccess_OverlappingBarsOfOneFunction_HigherIndexWinsAndOffsetsArePreserved()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        lab.Write(ConfigOffsets.Bar0, 4, (uint)Base);
        lab.Write(ConfigOffsets.Bar0 + 12, 4, (uint)Base + 0x4000);
        lab.Command = (ushort)PciCommand.MemorySpace;

        // BAR3's MSI-X table at Base + 0x4000 hides BAR0 there; beyond BAR3, BAR0 keeps its own offsets.
        lab.MmioWrite(Base + 0x4000, 4, 0xFEE0_2000);
        lab.MmioWrite(Base + 0x8000, 4, 0x1357_9BDF);

        Assert.True(lab.Function.MemoryDecoding);
        Assert.Equal(0xFEE0_2000UL, lab.MmioRead(Base + 0x4000, 4));
        Assert.NotEqual(0xFEE0_2000u, DeviceRead(lab, 0, 0x4000));
        Assert.Equal(0x1357_9BDFu, DeviceRead(lab, 0, 0x8000));
    }

    private static uint DeviceRead(GuestLab lab, int bar, ulong offset)
    {
        Span<byte> bytes = stackalloc byte[4];
        Assert.Equal(Errno.None, lab.Device.Inner.Read(bar, offset, bytes));
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }
}
