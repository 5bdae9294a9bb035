using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Pci;
using RegionInfo = Passage.Host.Devices.RegionInfo;

namespace Passage.Host.Tests.Linux;

public sealed class LinuxVfioDeviceTests : IDisposable
{
    private const int BackingSize = 0x6000;
    private const ulong Bar0Offset = 0x1000;
    private const ulong Bar2Offset = 0x2000;
    private const ulong ConfigOffset = 0x4000;

    private readonly string _temp = Path.Combine(Path.GetTempPath(), "passage-vfio-" + Guid.NewGuid().ToString("N"));

    public LinuxVfioDeviceTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Open_ThisMachineWithoutVfio_ThrowsEnoentSayingWhy()
    {
        if (File.Exists("/dev/vfio/vfio"))
        {
            Assert.Skip("/dev/vfio/vfio exists on this machine; the missing-VFIO error cannot be observed here");
        }

        var e = Assert.Throws<HostDeviceException>(() => LinuxVfioDevice.Open(PciAddress.Parse("0000:01:00.0")));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("/dev/vfio/vfio not found: the vfio-pci module is not loaded or this machine has no IOMMU", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DevRootWithoutContainer_ThrowsEnoentNamingThePath()
    {
        var e = Assert.Throws<HostDeviceException>(() => LinuxVfioDevice.Open(PciAddress.Parse("0000:03:00.1"), devRoot: _temp, sysfsRoot: _temp));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(Path.Combine(_temp, "vfio") + " not found", e.Message, StringComparison.Ordinal);
        Assert.Contains("0000:03:00.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RealDeviceBoundToVfioPci_ReportsAPciDevice()
    {
        if (!File.Exists("/dev/vfio/vfio"))
        {
            Assert.Skip("no /dev/vfio/vfio on this machine (vfio-pci not loaded or no IOMMU)");
        }

        string? bound = FindVfioBoundFunction();
        if (bound is null)
        {
            Assert.Skip("/dev/vfio/vfio exists but no PCI function is bound to vfio-pci");
        }

        using LinuxVfioDevice device = LinuxVfioDevice.Open(PciAddress.Parse(bound));

        Assert.True((device.Info.Flags & DeviceFlags.Pci) != 0);
        Assert.True(device.Info.NumRegions >= VfioRegion.PciCount);
        byte[] vendor = new byte[2];
        Assert.Equal(Errno.None, device.Read(VfioRegion.Config, 0, vendor));
        Assert.NotEqual(0xFFFF, BitConverter.ToUInt16(vendor));
    }

    [Fact]
    public void Write_ThenRead_GoesThroughTheRegionOffset()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        Assert.Equal(Errno.None, device.Write(0, 0x10, [1, 2, 3, 4]));
        byte[] back = new byte[4];
        Assert.Equal(Errno.None, device.Read(0, 0x10, back));

        Assert.Equal([1, 2, 3, 4], back);
        Assert.Equal([1, 2, 3, 4], backing.Span.Slice((int)Bar0Offset + 0x10, 4).ToArray());
    }

    [Fact]
    public void ReadAndWrite_Warm_DoNotAllocate()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);
        Span<byte> data = stackalloc byte[4];
        Assert.Equal(Errno.None, device.Write(0, 0, data));
        Assert.Equal(Errno.None, device.Read(0, 0, data));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            _ = device.Write(0, 0x20, data);
            _ = device.Read(VfioRegion.Config, 0, data);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Read_Config_ReadsAtTheConfigRegionOffset()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        backing.Span[(int)ConfigOffset] = 0x86;
        backing.Span[(int)ConfigOffset + 1] = 0x80;
        using LinuxVfioDevice device = OverMemFd(backing);

        byte[] vendor = new byte[2];
        Assert.Equal(Errno.None, device.Read(VfioRegion.Config, 0, vendor));

        Assert.Equal(0x8086, BitConverter.ToUInt16(vendor));
    }

    // Accesses refused before any system call, without partial transfers.
    [Theory]
    [InlineData(0, 0xFFE, 4)] // runs past the end of BAR0
    [InlineData(0, 0x1000, 1)] // starts at the end of BAR0
    [InlineData(7, 0xFF, 2)] // runs past the end of config space
    [InlineData(3, 0, 4)] // region the device does not have
    [InlineData(-1, 0, 4)] // negative region
    [InlineData(99, 0, 4)] // region past NumRegions
    public void Write_OutOfBounds_ReturnsEinvalAndWritesNothing(int region, ulong offset, int length)
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        byte[] payload = new byte[length];
        Array.Fill(payload, (byte)0xEE);

        Errno result = device.Write(region, offset, payload);

        Assert.Equal(Errno.EINVAL, result);
        Assert.True(backing.Span.IndexOf((byte)0xEE) < 0);
    }

    [Fact]
    public void Write_ReadOnlyRegion_ReturnsEinval()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        Assert.Equal(Errno.EINVAL, device.Write(2, 0, [1]));
        Assert.Equal(Errno.None, device.Read(2, 0, new byte[1]));
    }

    [Fact]
    public void Read_AfterDispose_ReturnsEbadf()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        LinuxVfioDevice device = OverMemFd(backing);
        device.Dispose();

        Assert.Equal(Errno.EBADF, device.Read(0, 0, new byte[4]));
    }

    [Fact]
    public void Map_WholeRegion_SharesMemoryWithTheDeviceOffset()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);
        using IMappedArea area = device.Map(0, 0);

        area.Span[8] = 0x5A;

        Assert.Equal(0ul, area.Offset);
        Assert.Equal(0x1000ul, area.Size);
        Assert.Equal(0x5A, backing.Span[(int)Bar0Offset + 8]);
    }

    [Fact]
    public void Map_SparseArea_MapsOnlyThatArea()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        backing.Span[(int)Bar2Offset + 0x1000] = 0x77;
        using LinuxVfioDevice device = OverMemFd(backing, bar2Sparse: [new SparseArea(0x1000, 0x1000)]);

        using IMappedArea area = device.Map(2, 0);

        Assert.Equal(0x1000ul, area.Offset);
        Assert.Equal(0x1000ul, area.Size);
        Assert.Equal(0x77, area.Span[0]);
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => device.Map(2, 1)).Errno);
    }

    // Map requests the contract refuses.
    [Theory]
    [InlineData(7, 0)] // config space is never mappable
    [InlineData(0, 1)] // BAR0 has no sparse areas, so only area 0
    [InlineData(3, 0)] // a region the device does not have
    public void Map_NotMappable_ThrowsEinval(int region, int area)
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        var e = Assert.Throws<HostDeviceException>(() => device.Map(region, area));

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void GetIrqInfo_NotAVfioDevice_ThrowsTheKernelErrno()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        var e = Assert.Throws<HostDeviceException>(() => device.GetIrqInfo(VfioIrq.Msix));

        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Contains("VFIO_DEVICE_GET_IRQ_INFO(2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetIrqs_LargePayload_ReachesTheKernelAndReportsItsErrno()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);
        byte[] fds = new byte[2048 * 4];

        var e = Assert.Throws<HostDeviceException>(() => device.SetIrqs(VfioIrq.Msix, 0, 2048, IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger, fds));

        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Contains("count 2048", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetAndHotReset_NotAVfioDevice_ThrowEnotty()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(device.Reset).Errno);
        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(device.GetHotResetInfo).Errno);
        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(() => device.HotReset(new HotResetProof([device.GroupFd]))).Errno);
    }

    [Fact]
    public void DecodeRegionInfo_SparseCapWithoutAreas_IsNotMappable()
    {
        byte[] buffer = new byte[48];
        BitConverter.TryWriteBytes(buffer.AsSpan(0), 48u);
        BitConverter.TryWriteBytes(buffer.AsSpan(4), 0xFu);
        BitConverter.TryWriteBytes(buffer.AsSpan(12), 32u);
        BitConverter.TryWriteBytes(buffer.AsSpan(16), 0x4000ul);
        BitConverter.TryWriteBytes(buffer.AsSpan(24), 0x100_0000_0000ul);
        BitConverter.TryWriteBytes(buffer.AsSpan(32), (ushort)1);
        BitConverter.TryWriteBytes(buffer.AsSpan(34), (ushort)1);

        RegionInfo info = LinuxVfioDevice.DecodeRegionInfo(0, buffer, "test");

        Assert.Equal(RegionFlags.Read | RegionFlags.Write | RegionFlags.Caps, info.Flags);
        Assert.Equal(0x100_0000_0000ul, info.Offset);
        Assert.Empty(info.SparseAreas);
    }

    [Fact]
    public void DecodeRegionInfo_HostileChain_ThrowsEio()
    {
        byte[] buffer = new byte[48];
        BitConverter.TryWriteBytes(buffer.AsSpan(4), 0xFu);
        BitConverter.TryWriteBytes(buffer.AsSpan(12), 32u);
        BitConverter.TryWriteBytes(buffer.AsSpan(32), (ushort)3);
        BitConverter.TryWriteBytes(buffer.AsSpan(36), 32u);

        var e = Assert.Throws<HostDeviceException>(() => LinuxVfioDevice.DecodeRegionInfo(4, buffer, "0000:01:00.0"));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("loops", e.Message, StringComparison.Ordinal);
    }

    private static LinuxVfioDevice OverMemFd(MemFdMemory backing, SparseArea[]? bar2Sparse = null)
    {
        FileDescriptorHandle fd = LibC.dup(backing.Fd);
        Assert.False(fd.IsInvalid);
        var regions = new RegionInfo?[VfioRegion.PciCount];
        regions[0] = new RegionInfo(0, RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap, 0x1000, Bar0Offset, [], false);
        regions[2] = new RegionInfo(2, RegionFlags.Read | RegionFlags.Mmap | (bar2Sparse is null ? 0 : RegionFlags.Caps), 0x2000, Bar2Offset, bar2Sparse ?? [], false);
        regions[VfioRegion.Config] = new RegionInfo(VfioRegion.Config, RegionFlags.Read | RegionFlags.Write, 0x100, ConfigOffset, [], false);
        var info = new DeviceInfo(DeviceFlags.Pci, VfioRegion.PciCount, VfioIrq.PciCount);
        return new LinuxVfioDevice("test", -1, fd, null, null, info, regions);
    }

    private static string? FindVfioBoundFunction()
    {
        string driver = "/sys/bus/pci/drivers/vfio-pci";
        if (!Directory.Exists(driver))
        {
            return null;
        }

        return Directory.EnumerateFileSystemEntries(driver)
            .Select(Path.GetFileName)
            .FirstOrDefault(n => PciAddress.TryParse(n, out _));
    }
}
