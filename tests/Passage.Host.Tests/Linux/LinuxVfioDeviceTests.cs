using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Linux.Vfio;
using Passage.Pci;
using RegionInfo = Passage.Host.Devices.RegionInfo;

namespace Passage.Host.Tests.Linux;

public sealed class LinuxVfioDeviceTests : IDisposable
{
    private const int BackingSize = 0x6000;
    private const ulong Bar0Offset = 0x1000;
    private const ulong Bar2Offset = 0x2000;
    private const ulong ConfigOffset = 0x4000;
    private const uint ReadWriteMmap = VfioConstants.RegionInfoFlagRead | VfioConstants.RegionInfoFlagWrite | VfioConstants.RegionInfoFlagMmap;

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
    public void Open_ContainerThatIsNotVfio_ReportsTheFailedIoctl()
    {
        File.WriteAllText(Path.Combine(_temp, "vfio"), "");

        var e = Assert.Throws<HostDeviceException>(() => LinuxVfioDevice.Open(PciAddress.Parse("0000:03:00.1"), devRoot: _temp, sysfsRoot: _temp));

        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Contains("VFIO_GET_API_VERSION for 0000:03:00.1 failed", e.Message, StringComparison.Ordinal);
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
    public void OpenRegionFile_MappableRegion_NewDescriptorAtTheRegionOffset()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        using RegionFile file = device.OpenRegionFile(0);
        using MappedArea area = MappedArea.Map(file.Descriptor, file.Offset, 0x1000, writable: true, areaOffset: 0);
        area.Span[8] = 0xA5;

        Assert.Equal((long)Bar0Offset, file.Offset);
        Assert.NotEqual(backing.Fd, file.Descriptor.Fd);
        Assert.Equal(0xA5, backing.Span[(int)Bar0Offset + 8]);
    }

    [Fact]
    public void OpenRegionFile_NotMappable_ThrowsEinval()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => device.OpenRegionFile(VfioRegion.Config)).Errno);
    }

    [Fact]
    public void Map_SparseArea_MapsOnlyThatArea()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        backing.Span[(int)Bar2Offset + 0x1000] = 0x77;
        using LinuxVfioDevice device = OverMemFd(backing, bar2Caps: SparseCap([(0x1000, 0x1000)]));

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
    public void FromDevice_AsksDeviceInfoWithArgsz24()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        using LinuxVfioDevice device = OverMemFd(backing, kernel);

        byte[] argument = Assert.Single(kernel.ArgumentsOf(VfioIoctl.DeviceGetInfo));

        Assert.Equal(24, argument.Length);
        Assert.Equal(24u, BinaryPrimitives.ReadUInt32LittleEndian(argument));
        Assert.Equal(DeviceFlags.Pci | DeviceFlags.Reset, device.Info.Flags);
        Assert.Equal(9, device.Info.NumRegions);
        Assert.Equal(5, device.Info.NumIrqs);
    }

    [Fact]
    public void FromDevice_ChainLargerThanTheFirstBuffer_RetriesWithTheKernelsArgsz()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        (ulong, ulong)[] areas = [.. Enumerable.Range(0, 17).Select(i => ((ulong)i * 0x100, 0x100ul))];
        using LinuxVfioDevice device = OverMemFd(backing, kernel, bar2Caps: SparseCap(areas));

        byte[][] bar2Calls = [.. kernel.ArgumentsOf(VfioIoctl.DeviceGetRegionInfo).Where(a => BinaryPrimitives.ReadUInt32LittleEndian(a.AsSpan(8)) == 2)];
        RegionInfo info = device.GetRegionInfo(2);

        // 32 + 16 + 17 · 16 = 320 bytes do not fit the first 256-byte buffer.
        Assert.Equal([256u, 320u], bar2Calls.Select(a => BinaryPrimitives.ReadUInt32LittleEndian(a)));
        Assert.Equal(17, info.SparseAreas.Count);
        Assert.Equal(new SparseArea(0x1000, 0x100), info.SparseAreas[16]);
        Assert.Equal(RegionFlags.Read | RegionFlags.Mmap | RegionFlags.Caps, info.Flags);
        Assert.Equal(Bar2Offset, info.Offset);
    }

    [Fact]
    public void FromDevice_RegionTheKernelRefuses_IsAbsent()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        var e = Assert.Throws<HostDeviceException>(() => device.GetRegionInfo(VfioRegion.Vga));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(0x1000ul, device.GetRegionInfo(0).Size);
    }

    [Fact]
    public void FromDevice_RegionInfoFailsOtherwise_ThrowsThatErrno()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        kernel.Handlers[VfioIoctl.DeviceGetRegionInfo] = (Span<byte> _, out Errno errno) =>
        {
            errno = Errno.ENOMEM;
            return -1;
        };

        var e = Assert.Throws<HostDeviceException>(() => OverMemFd(backing, kernel));

        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Contains("VFIO_DEVICE_GET_REGION_INFO(0)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDevice_AbsurdRegionCount_ThrowsEioAndClosesTheFd()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel { NumRegions = uint.MaxValue };
        FileDescriptorHandle fd = LibC.DuplicateCloseOnExec(backing.Fd);

        var e = Assert.Throws<HostDeviceException>(() => LinuxVfioDevice.FromDevice("test", -1, fd, kernel));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.True(fd.IsClosed);
    }

    [Fact]
    public void GetIrqInfo_KernelAnswer_IsDecoded()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        kernel.Handlers[VfioIoctl.DeviceGetIrqInfo] = (Span<byte> argument, out Errno errno) =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(argument[4..], VfioConstants.IrqInfoEventfd | VfioConstants.IrqInfoNoResize);
            BinaryPrimitives.WriteUInt32LittleEndian(argument[12..], 64);
            errno = Errno.None;
            return 0;
        };
        using LinuxVfioDevice device = OverMemFd(backing, kernel);

        IrqInfo info = device.GetIrqInfo(VfioIrq.Msix);

        byte[] argument = Assert.Single(kernel.ArgumentsOf(VfioIoctl.DeviceGetIrqInfo));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(argument));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(8)));
        Assert.Equal(new IrqInfo(VfioIrq.Msix, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 64), info);
    }

    // Payload sizes on either side of the stack buffer.
    [Theory]
    [InlineData(2)] // 28 bytes, on the stack
    [InlineData(2048)] // 8212 bytes, from the pool
    public void SetIrqs_EventfdPayload_LaysOutHeaderAndFds(int vectors)
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        kernel.Handlers[VfioIoctl.DeviceSetIrqs] = (Span<byte> _, out Errno errno) =>
        {
            errno = Errno.None;
            return 0;
        };
        using LinuxVfioDevice device = OverMemFd(backing, kernel);
        byte[] fds = new byte[vectors * 4];
        for (int i = 0; i < vectors; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(fds.AsSpan(i * 4), i == 1 ? -1 : 100 + i);
        }

        int result = device.SetIrqs(VfioIrq.Msix, 0, (uint)vectors, IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger, fds);

        byte[] argument = Assert.Single(kernel.ArgumentsOf(VfioIoctl.DeviceSetIrqs));
        Assert.Equal(0, result);
        Assert.Equal(20 + (vectors * 4), argument.Length);
        Assert.Equal((uint)argument.Length, BinaryPrimitives.ReadUInt32LittleEndian(argument));
        Assert.Equal(0x24u, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(4)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(8)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(12)));
        Assert.Equal((uint)vectors, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(16)));
        Assert.Equal(100, BinaryPrimitives.ReadInt32LittleEndian(argument.AsSpan(20)));
        Assert.Equal(-1, BinaryPrimitives.ReadInt32LittleEndian(argument.AsSpan(24)));
    }

    [Fact]
    public void SetIrqs_FewerVectorsAvailable_ReturnsThePositiveCount()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        kernel.Handlers[VfioIoctl.DeviceSetIrqs] = (Span<byte> _, out Errno errno) =>
        {
            errno = Errno.None;
            return 4;
        };
        using LinuxVfioDevice device = OverMemFd(backing, kernel);

        int result = device.SetIrqs(VfioIrq.Msi, 0, 8, IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger, new byte[32]);

        Assert.Equal(4, result);
    }

    [Fact]
    public void SetIrqs_KernelRefuses_ThrowsItsErrnoWithTheCall()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        var e = Assert.Throws<HostDeviceException>(() => device.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.DataEventfd | IrqSetFlags.ActionMask, new byte[4]));

        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Contains("VFIO_DEVICE_SET_IRQS(index 0, start 0, count 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_IssuesDeviceResetWithoutArgumentOrThrows()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        using LinuxVfioDevice device = OverMemFd(backing, kernel);

        var e = Assert.Throws<HostDeviceException>(device.Reset);
        kernel.Handlers[VfioIoctl.DeviceReset] = (Span<byte> _, out Errno errno) =>
        {
            errno = Errno.None;
            return 0;
        };
        device.Reset();

        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Equal(2, kernel.ArgumentsOf(VfioIoctl.DeviceReset).Length);
        Assert.All(kernel.ArgumentsOf(VfioIoctl.DeviceReset), a => Assert.Equal(0L, BinaryPrimitives.ReadInt64LittleEndian(a)));
    }

    [Fact]
    public void GetHotResetInfo_TooSmallFirstBuffer_RetriesWithTheCount()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        const int Devices = 10;
        kernel.Handlers[VfioIoctl.DeviceGetPciHotResetInfo] = (Span<byte> argument, out Errno errno) =>
        {
            uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(argument);
            BinaryPrimitives.WriteUInt32LittleEndian(argument[8..], Devices);
            if (argsz < 12 + (8 * Devices))
            {
                errno = Errno.ENOSPC;
                return -1;
            }

            for (int i = 0; i < Devices; i++)
            {
                Span<byte> record = argument.Slice(12 + (8 * i), 8);
                BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(20 + i));
                BinaryPrimitives.WriteUInt16LittleEndian(record[4..], 0);
                record[6] = 0x03;
                record[7] = (byte)i;
            }

            errno = Errno.None;
            return 0;
        };
        using LinuxVfioDevice device = OverMemFd(backing, kernel);

        HotResetInfo info = device.GetHotResetInfo();

        Assert.Equal([76u, 92u], kernel.ArgumentsOf(VfioIoctl.DeviceGetPciHotResetInfo).Select(a => BinaryPrimitives.ReadUInt32LittleEndian(a)));
        Assert.Equal(HotResetFlags.None, info.Flags);
        Assert.Equal(Devices, info.Devices.Count);
        Assert.Equal(new DependentDevice(29, 0, 0x03, 9), info.Devices[9]);
    }

    [Fact]
    public void HotReset_Proof_LaysOutTheGroupFds()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        var kernel = new FakeVfioKernel();
        kernel.Handlers[VfioIoctl.DevicePciHotReset] = (Span<byte> _, out Errno errno) =>
        {
            errno = Errno.None;
            return 0;
        };
        using LinuxVfioDevice device = OverMemFd(backing, kernel);

        device.HotReset(new HotResetProof([17, 23]));

        byte[] argument = Assert.Single(kernel.ArgumentsOf(VfioIoctl.DevicePciHotReset));
        Assert.Equal(20, argument.Length);
        Assert.Equal(20u, BinaryPrimitives.ReadUInt32LittleEndian(argument));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(4)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(argument.AsSpan(8)));
        Assert.Equal(17, BinaryPrimitives.ReadInt32LittleEndian(argument.AsSpan(12)));
        Assert.Equal(23, BinaryPrimitives.ReadInt32LittleEndian(argument.AsSpan(16)));
    }

    [Fact]
    public void HotReset_KernelRefuses_ThrowsItsErrno()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using LinuxVfioDevice device = OverMemFd(backing);

        var e = Assert.Throws<HostDeviceException>(() => device.HotReset(new HotResetProof([])));

        Assert.Equal(Errno.ENOTTY, e.Errno);
    }

    [Fact]
    public void KernelControl_OnAMemFd_ReportsEnotty()
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using FileDescriptorHandle fd = LibC.DuplicateCloseOnExec(backing.Fd);
        var control = new KernelVfioDeviceControl(fd);
        byte[] argument = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(argument, 16);

        int result = control.Ioctl(VfioIoctl.DeviceGetIrqInfo, argument, out Errno errno);

        Assert.Equal(-1, result);
        Assert.Equal(Errno.ENOTTY, errno);
        Assert.Equal(-1, control.Ioctl(VfioIoctl.DeviceReset, 0, out Errno resetErrno));
        Assert.Equal(Errno.ENOTTY, resetErrno);
    }

    // argsz values the kernel must never see.
    [Theory]
    [InlineData(17, 16)] // one byte more than the buffer
    [InlineData(0xFFFF_FFFF, 16)] // absurd
    [InlineData(0, 2)] // buffer too short to hold argsz
    public void KernelControl_ArgszBeyondTheBuffer_RefusedBeforeTheCall(uint argsz, int length)
    {
        using MemFdMemory backing = MemFdMemory.Create(BackingSize);
        using FileDescriptorHandle fd = LibC.DuplicateCloseOnExec(backing.Fd);
        var control = new KernelVfioDeviceControl(fd);
        byte[] argument = new byte[length];
        if (length >= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(argument, argsz);
        }

        int result = control.Ioctl(VfioIoctl.DeviceGetIrqInfo, argument, out Errno errno);

        Assert.Equal(-1, result);
        Assert.Equal(Errno.EINVAL, errno);
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

    private static LinuxVfioDevice OverMemFd(MemFdMemory backing, FakeVfioKernel? kernel = null, byte[]? bar2Caps = null)
    {
        kernel ??= new FakeVfioKernel();
        kernel.Regions[0] = (ReadWriteMmap, 0x1000, Bar0Offset, []);
        kernel.Regions[2] = (VfioConstants.RegionInfoFlagRead | VfioConstants.RegionInfoFlagMmap, 0x2000, Bar2Offset, bar2Caps ?? []);
        kernel.Regions[VfioRegion.Config] = (VfioConstants.RegionInfoFlagRead | VfioConstants.RegionInfoFlagWrite, 0x100, ConfigOffset, []);
        FileDescriptorHandle fd = LibC.DuplicateCloseOnExec(backing.Fd);
        Assert.False(fd.IsInvalid);
        return LinuxVfioDevice.FromDevice("test", -1, fd, kernel);
    }

    /// <summary>A sparse mmap capability as the first (and only) link of a chain starting at offset 32.</summary>
    private static byte[] SparseCap((ulong Offset, ulong Size)[] areas)
    {
        byte[] cap = new byte[16 + (16 * areas.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(cap, VfioConstants.RegionInfoCapSparseMmap);
        BinaryPrimitives.WriteUInt16LittleEndian(cap.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(cap.AsSpan(8), (uint)areas.Length);
        for (int i = 0; i < areas.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(cap.AsSpan(16 + (16 * i)), areas[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(cap.AsSpan(24 + (16 * i)), areas[i].Size);
        }

        return cap;
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
