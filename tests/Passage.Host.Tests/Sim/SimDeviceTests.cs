using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimDeviceTests : IDisposable
{
    private const string Nvme = "0000:06:00.0";
    private const IrqSetFlags TriggerEventfd = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;

    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }

    private (SimHost Host, SimDevice Device) Open(string address, SimHost? host = null)
    {
        host ??= SimLab.Start();
        var device = new SimDevice(host, PciAddress.Parse(address));
        _owned.Add(device);
        return (host, device);
    }

    private EventFd NewFd()
    {
        var fd = EventFd.Create();
        _owned.Add(fd);
        return fd;
    }

    private static byte[] Fds(params EventFd[] fds)
    {
        byte[] data = new byte[4 * fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4 * i), fds[i].Fd);
        }

        return data;
    }

    private static ulong Count(EventFd fd) => fd.TryRead(out ulong n) ? n : 0;

    private static void WriteConfig(SimDevice device, int offset, int size, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Assert.Equal(Errno.None, device.Write(VfioRegion.Config, (ulong)offset, b[..size]));
    }

    private static uint ReadConfig(SimDevice device, int offset, int size)
    {
        Span<byte> b = stackalloc byte[4];
        Assert.Equal(Errno.None, device.Read(VfioRegion.Config, (ulong)offset, b[..size]));
        return BinaryPrimitives.ReadUInt32LittleEndian(b) & (size == 4 ? uint.MaxValue : (1u << (8 * size)) - 1);
    }

    private static Errno Doorbell(SimDevice device, int vector)
    {
        SimControlBlock block = device.Function.Model.ControlBlock!;
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)vector);
        return device.Write(block.Bar, block.Offset + SimControlBlock.Doorbell, b);
    }

    private static void EnableDecode(SimDevice device) =>
        WriteConfig(device, ConfigOffsets.Command, 2, (uint)(PciCommand.MemorySpace | PciCommand.IoSpace | PciCommand.BusMaster));

    [Fact]
    public void Info_Nvme_PciResettableNineRegionsFiveIrqs()
    {
        (_, SimDevice device) = Open(Nvme);

        Assert.Equal(new DeviceInfo(DeviceFlags.Pci | DeviceFlags.Reset, 9, 5), device.Info);
    }

    [Theory]
    [InlineData(VfioRegion.Bar0, 16 * 1024UL, RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap | RegionFlags.Caps)] // the NVMe BAR, partly mappable
    [InlineData(1, 0UL, RegionFlags.None)] // upper half of the 64-bit BAR
    [InlineData(VfioRegion.Rom, 0UL, RegionFlags.None)] // no ROM
    [InlineData(VfioRegion.Config, 4096UL, RegionFlags.Read | RegionFlags.Write)] // PCIe config space
    [InlineData(VfioRegion.Vga, 0UL, RegionFlags.None)] // not a VGA device
    public void GetRegionInfo_Nvme_SizesAndFlags(int region, ulong size, RegionFlags flags)
    {
        (_, SimDevice device) = Open(Nvme);

        RegionInfo info = device.GetRegionInfo(region);

        Assert.Equal((size, flags), (info.Size, info.Flags));
    }

    [Fact]
    public void Open_Bridge_Einval()
    {
        HostDeviceException e = Assert.Throws<HostDeviceException>(() => Open("0000:00:01.0"));

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void BarAccess_DecodeOff_EioThenWorksOnceEnabled()
    {
        (_, SimDevice device) = Open(Nvme);
        byte[] buffer = new byte[4];
        WriteConfig(device, ConfigOffsets.Command, 2, 0);

        Assert.Equal(Errno.EIO, device.Read(VfioRegion.Bar0, 0x10, buffer));
        Assert.Equal(Errno.EIO, device.Write(VfioRegion.Bar0, 0x10, buffer));

        EnableDecode(device);
        Assert.Equal(Errno.None, device.Read(VfioRegion.Bar0, 0x10, buffer));
    }

    [Theory]
    [InlineData(0x4000UL, 4)] // starts at the end of the BAR
    [InlineData(0x3FFEUL, 4)] // runs past the end
    public void BarAccess_OutsideTheBar_Einval(ulong offset, int length)
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);

        Assert.Equal(Errno.EINVAL, device.Read(VfioRegion.Bar0, offset, new byte[length]));
    }

    [Fact]
    public void BarAccess_MsixTable_ReadsOnesWritesDropped()
    {
        (_, SimDevice device) = Open(Nvme); // table at BAR0+0x3000
        EnableDecode(device);
        byte[] buffer = new byte[4];

        Assert.Equal(Errno.None, device.Write(VfioRegion.Bar0, 0x300C, [0, 0, 0, 0])); // try to unmask vector 0
        Assert.Equal(Errno.None, device.Read(VfioRegion.Bar0, 0x3000, buffer));

        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], buffer);
        Assert.Equal(1UL, device.Function.ReadBar(0, 0x300C, 4) & 1); // still masked underneath
    }

    [Fact]
    public void BarAccess_DuringRecovery_ReadsOnesDropsWrites()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        SimControlBlock block = device.Function.Model.ControlBlock!;
        byte[] buffer = new byte[4];
        device.Recovering = true;

        Assert.Equal(Errno.None, device.Write(block.Bar, block.Offset + SimControlBlock.Scratch, [1, 2, 3, 4]));
        Assert.Equal(Errno.None, device.Read(block.Bar, block.Offset + SimControlBlock.Scratch, buffer));
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], buffer);

        device.Recovering = false;
        Assert.Equal(Errno.None, device.Read(block.Bar, block.Offset + SimControlBlock.Scratch, buffer));
        Assert.Equal([0, 0, 0, 0], buffer); // the write during recovery never reached the device
    }

    [Fact]
    public void BarAccess_InD3hot_Eio()
    {
        (_, SimDevice device) = Open("0000:02:00.0"); // the Wi-Fi card supports D3hot
        EnableDecode(device);
        int pmcsr = device.Function.Function.Decoded.PowerManagement!.Offset + PowerManagementCapability.ControlStatusOffset;

        WriteConfig(device, pmcsr, 2, 3);

        Assert.Equal(3, device.Function.PowerState);
        Assert.Equal(Errno.EIO, device.Read(VfioRegion.Bar0, 0, new byte[4]));
    }

    [Fact]
    public void Doorbell_MsixWired_SignalsThatVectorsEventfd()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        EventFd[] fds = [NewFd(), NewFd(), NewFd(), NewFd()];
        Assert.Equal(0, device.SetIrqs(VfioIrq.Msix, 0, 4, TriggerEventfd, Fds(fds)));

        Assert.Equal(Errno.None, Doorbell(device, 2));
        Assert.Equal(Errno.None, Doorbell(device, 2));
        Assert.Equal(Errno.None, Doorbell(device, 3));

        Assert.Equal([0UL, 0UL, 2UL, 1UL], fds.Select(Count));
        Assert.Equal(3, device.Function.InterruptsSent);
    }

    [Fact]
    public void Doorbell_VectorNotYetWired_PendingInTheDeviceThenDelivered()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        device.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(NewFd()));

        Doorbell(device, 7); // vector 7 is not allocated: masked at the host, pending in the PBA
        Assert.True(device.Function.IsMsixPending(7));

        EventFd v7 = NewFd();
        device.SetIrqs(VfioIrq.Msix, 7, 1, TriggerEventfd, Fds(v7)); // dynamic growth

        Assert.Equal(1UL, Count(v7));
        Assert.False(device.Function.IsMsixPending(7));
    }

    [Fact]
    public async Task Storm_DoorbellsWhileVectorsSwapAndGrow_FiredEqualsDelivered()
    {
        const int Swaps = 200;
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        var all = new List<EventFd>();
        EventFd Track()
        {
            EventFd fd = NewFd();
            all.Add(fd);
            return fd;
        }

        device.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(Track(), Track()));
        using var swapping = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        Task[] storm = [.. Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            started.Wait(TestContext.Current.CancellationToken);
            for (int i = 0; i < 2000 || !swapping.IsCancellationRequested; i++)
            {
                Assert.Equal(Errno.None, Doorbell(device, (i + t) % 8));
            }
        }, TestContext.Current.CancellationToken))];

        started.Set();
        for (uint v = 2; v < 8; v++)
        {
            device.SetIrqs(VfioIrq.Msix, v, 1, TriggerEventfd, Fds(Track())); // growth under the storm
        }

        for (int swap = 0; swap < Swaps; swap++)
        {
            device.SetIrqs(VfioIrq.Msix, (uint)(swap % 8), 1, TriggerEventfd, Fds(Track()));
        }

        swapping.Cancel();
        await Task.WhenAll(storm);
        ulong delivered = all.Aggregate(0UL, (sum, fd) => sum + Count(fd));

        Assert.True(device.Function.InterruptsRequested >= 4000);
        Assert.Equal(device.Function.InterruptsRequested, device.Function.InterruptsSent);
        Assert.Equal((ulong)device.Function.InterruptsRequested, delivered);
    }

    [Fact]
    public void Intx_LegacyDoorbell_SignalsAndAutoMasksUntilAcknowledgedAndUnmasked()
    {
        (_, SimDevice device) = Open("0000:00:1f.2"); // AHCI: INTx when MSI is off
        EnableDecode(device);
        EventFd trigger = NewFd();
        device.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(trigger));

        Doorbell(device, 0);
        Doorbell(device, 0);

        Assert.Equal(1UL, Count(trigger));
        Assert.True(device.Interrupts.IntxMasked);

        SimControlBlock block = device.Function.Model.ControlBlock!;
        device.Write(block.Bar, block.Offset + SimControlBlock.IntxAcknowledge, [1, 0, 0, 0]);
        device.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionUnmask | IrqSetFlags.DataNone, []);
        Assert.False(device.Interrupts.IntxMasked);
    }

    [Fact]
    public void Err_InjectedError_SignalsTheErrEventfd()
    {
        (_, SimDevice device) = Open(Nvme);
        EventFd err = NewFd();
        device.SetIrqs(VfioIrq.Err, 0, 1, TriggerEventfd, Fds(err));
        int devctl = device.Function.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset;
        WriteConfig(device, devctl, 2, ReadConfig(device, devctl, 2) | 0x0F); // error reporting on

        Assert.Equal(AerSeverity.NonFatal, device.Function.InjectError(AerSeverity.NonFatal));

        Assert.Equal(1UL, Count(err));
    }

    [Fact]
    public void Reset_Flr_ChargesTheClockAndRestoresBarsAndCommand()
    {
        (SimHost host, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        uint bar0 = device.Function.ReadConfig(ConfigOffsets.Bar0, 4);
        uint command = device.Function.ReadConfig(ConfigOffsets.Command, 2);
        SimControlBlock block = device.Function.Model.ControlBlock!;
        device.Write(block.Bar, block.Offset + SimControlBlock.Scratch, [9, 0, 0, 0]);
        TimeSpan before = host.Clock.Now;

        device.Reset();

        Assert.Equal(TimeSpan.FromMilliseconds(100), host.Clock.Now - before);
        Assert.Equal(1, device.Function.ResetsPerformed);
        Assert.Equal(bar0, device.Function.ReadConfig(ConfigOffsets.Bar0, 4));
        Assert.Equal(command, device.Function.ReadConfig(ConfigOffsets.Command, 2));
        Assert.NotEqual(0u, command & (uint)PciCommand.MemorySpace);
        byte[] scratch = new byte[4];
        Assert.Equal(Errno.None, device.Read(block.Bar, block.Offset + SimControlBlock.Scratch, scratch));
        Assert.Equal([0, 0, 0, 0], scratch); // device state is gone
    }

    [Fact]
    public void Reset_FlrThroughDeviceControl_ResetsTheFunction()
    {
        (_, SimDevice device) = Open(Nvme);
        int devctl = device.Function.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset;

        WriteConfig(device, devctl, 2, PciExpressCapability.InitiateFlr);

        Assert.Equal(1, device.Function.ResetsPerformed);
    }

    [Fact]
    public void Reset_MsixStaysWiredAcrossReset()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        EventFd v0 = NewFd();
        device.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(v0));

        device.Reset();
        EnableDecode(device);
        Doorbell(device, 0);

        Assert.Equal(1UL, Count(v0));
    }

    [Fact]
    public void HotReset_GpuPair_NeedsBothGroupsAndResetsBoth()
    {
        SimHost host = SimLab.Start();
        (_, SimDevice gpu) = Open("0000:01:00.0", host);
        HotResetInfo info = gpu.GetHotResetInfo();
        int gpuGroup = (int)info.Devices[0].GroupIdOrDevId;
        int audioGroup = (int)info.Devices[1].GroupIdOrDevId;

        Assert.Equal([(byte)1, (byte)1], info.Devices.Select(d => d.Bus));
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => gpu.HotReset(new HotResetProof([gpuGroup]))).Errno);

        gpu.HotReset(new HotResetProof([gpuGroup, audioGroup]));

        Assert.Equal(1, host.Get("0000:01:00.0").ResetsPerformed);
        Assert.Equal(1, host.Get("0000:01:00.1").ResetsPerformed);
    }

    [Fact]
    public void HotReset_RootBusFunction_Enodev()
    {
        (_, SimDevice ahci) = Open("0000:00:1f.2");

        Assert.Equal(Errno.ENODEV, Assert.Throws<HostDeviceException>(ahci.GetHotResetInfo).Errno);
    }

    [Fact]
    public void Reset_NoMethod_Einval()
    {
        (_, SimDevice gpu) = Open("0000:01:00.0"); // bus reset only: no function reset

        Assert.Equal(DeviceFlags.Pci, gpu.Info.Flags);
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(gpu.Reset).Errno);
    }

    [Fact]
    public void HotPaths_ConfigBarAndInterruptDelivery_AllocateNothing()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        EventFd v0 = NewFd();
        device.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(v0));
        SimControlBlock block = device.Function.Model.ControlBlock!;
        byte[] buffer = new byte[4];
        byte[] doorbell = new byte[4];
        void Run()
        {
            device.Read(VfioRegion.Config, ConfigOffsets.Command, buffer);
            device.Write(VfioRegion.Config, ConfigOffsets.InterruptLine, buffer.AsSpan(0, 1));
            device.Read(block.Bar, block.Offset + SimControlBlock.Scratch, buffer);
            device.Write(block.Bar, block.Offset + SimControlBlock.Scratch, buffer);
            device.Write(block.Bar, block.Offset + SimControlBlock.Doorbell, doorbell);
        }

        Run(); // first use: JIT, lazily allocated BAR storage
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Run();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1001UL, Count(v0));
    }

    [Theory]
    [InlineData(Nvme, 0, new ulong[] { 0x1000, 0x1000 })] // control block page 0, PBA page 2 and table page 3 trapped
    [InlineData("0000:02:00.0", 0, new ulong[] { 0x0000, 0x2000 })] // Wi-Fi: table page 0x2000 (with the control registers) and PBA page 0x3000 trapped
    [InlineData("0000:05:00.0", 0, new ulong[] { 0x00000, 0x1F000, 0x20000, 0xE0000 })] // I210 1 MiB BAR0: all but the control block's page 0x1F000
    [InlineData("0000:05:00.0", 3, new ulong[] { 0x1000, 0x1000, 0x3000, 0x1000 })] // I210 BAR3: table page 0 and PBA page 0x2000 trapped
    [InlineData("0000:01:00.0", 0, new ulong[] { 0, 256UL << 20 })] // GPU VRAM aperture: whole BAR
    [InlineData("0000:05:00.0", 2, new ulong[0])] // I/O BAR: never mappable
    public void GetRegionInfo_SparseAreas_ExcludeTrappedPages(string address, int bar, ulong[] pairs)
    {
        (_, SimDevice device) = Open(address);

        RegionInfo info = device.GetRegionInfo(bar);

        Assert.Equal(pairs.Chunk(2).Select(p => new SparseArea(p[0], p[1])), info.SparseAreas);
        Assert.Equal(pairs.Length > 0, info.Flags.HasFlag(RegionFlags.Mmap));
    }

    [Fact]
    public void Map_SparseArea_SharesBytesWithTheDevice()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        using IMappedArea area = device.Map(VfioRegion.Bar0, 0);
        byte[] buffer = new byte[4];

        BinaryPrimitives.WriteUInt32LittleEndian(area.Span[0x10..], 0xC0FFEE01);
        Assert.Equal(Errno.None, device.Read(VfioRegion.Bar0, 0x1010, buffer));
        Assert.Equal(0xC0FFEE01u, BinaryPrimitives.ReadUInt32LittleEndian(buffer));

        Assert.Equal(Errno.None, device.Write(VfioRegion.Bar0, 0x1020, [1, 2, 3, 4]));
        Assert.Equal([1, 2, 3, 4], area.Span.Slice(0x20, 4).ToArray());
        Assert.Equal(0x1000UL, area.Offset);
    }

    [Fact]
    public void OpenRegionFile_Bar_AnotherMappingSharesBytesWithTheDevice()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);

        using RegionFile file = device.OpenRegionFile(VfioRegion.Bar0);
        using MappedArea area = MappedArea.Map(file.Descriptor, file.Offset + 0x1000, 0x1000, writable: true, areaOffset: 0x1000);
        BinaryPrimitives.WriteUInt32LittleEndian(area.Span[0x10..], 0xFEEDC0DE);
        byte[] buffer = new byte[4];

        Assert.Equal(0, file.Offset);
        Assert.Equal(Errno.None, device.Read(VfioRegion.Bar0, 0x1010, buffer));
        Assert.Equal(0xFEEDC0DEu, BinaryPrimitives.ReadUInt32LittleEndian(buffer));
    }

    [Theory]
    [InlineData(VfioRegion.Config)] // config space is never mappable
    [InlineData(VfioRegion.Rom)] // no ROM
    [InlineData(99)] // no such region
    public void OpenRegionFile_NotAMappableBar_ThrowsEinval(int region)
    {
        (_, SimDevice device) = Open(Nvme);

        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => device.OpenRegionFile(region)).Errno);
    }

    [Fact]
    public void Map_DecodeTurnedOff_MappingRevoked()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        IMappedArea area = device.Map(VfioRegion.Bar0, 0);

        WriteConfig(device, ConfigOffsets.Command, 2, (uint)PciCommand.BusMaster);

        Assert.Throws<ObjectDisposedException>(() => area.Span.Length);
        Assert.Equal(Errno.EIO, Assert.Throws<HostDeviceException>(() => device.Map(VfioRegion.Bar0, 0)).Errno);
    }

    [Fact]
    public void Map_ResetRevokesAndClearsMemory()
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);
        IMappedArea area = device.Map(VfioRegion.Bar0, 0);
        area.Span[0] = 0x5A;

        device.Reset();

        Assert.Throws<ObjectDisposedException>(() => area.Span.Length);
        EnableDecode(device);
        using IMappedArea again = device.Map(VfioRegion.Bar0, 0);
        Assert.Equal(0, again.Span[0]);
    }

    [Theory]
    [InlineData(VfioRegion.Bar0, 1)] // the NVMe BAR has one area
    [InlineData(1, 0)] // upper half of a 64-bit BAR
    [InlineData(VfioRegion.Config, 0)] // config space is never mappable
    public void Map_NoSuchArea_Einval(int region, int area)
    {
        (_, SimDevice device) = Open(Nvme);
        EnableDecode(device);

        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => device.Map(region, area)).Errno);
    }
}
