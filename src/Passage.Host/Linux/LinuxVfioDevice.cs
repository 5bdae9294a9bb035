using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Passage.Host.Devices;
using Passage.Host.Linux.Vfio;
using Passage.Pci;
using RegionInfo = Passage.Host.Devices.RegionInfo;

namespace Passage.Host.Linux;

/// <summary>
/// A PCI function opened through Linux VFIO (legacy container/group path, host-device.md §8.4);
/// the kernel's vfio-pci applies the device policy, this class only speaks its ioctls.
/// </summary>
public sealed class LinuxVfioDevice : IHostDevice, IRegionFileSource
{
    /// <summary>Where VFIO's device nodes live.</summary>
    public const string DefaultDevRoot = "/dev/vfio";

    private const int IrqSetHeaderSize = 20;
    private const int HotResetHeaderSize = 12;
    private const int DependentDeviceSize = 8;
    private const int StackPayloadLimit = 256;
    private const int InitialRegionInfoSize = 256;

    // Bounds on what the kernel may ask for, so a confused driver cannot make us allocate without limit.
    private const int MaxRegionInfoSize = 1 << 20;
    private const uint MaxHotResetDevices = 4096;
    private const int MaxHandshakes = 4;
    private const uint MaxRegions = 256;

    private readonly FileDescriptorHandle _device;
    private readonly IVfioDeviceControl _control;
    private readonly FileDescriptorHandle? _group;
    private readonly FileDescriptorHandle? _container;
    private readonly RegionInfo?[] _regions;
    private readonly Lock _controlLock = new();

    private LinuxVfioDevice(string name, int groupId, FileDescriptorHandle device, IVfioDeviceControl control, FileDescriptorHandle? group, FileDescriptorHandle? container, DeviceInfo info, RegionInfo?[] regions)
    {
        Name = name;
        GroupId = groupId;
        _device = device;
        _control = control;
        _group = group;
        _container = container;
        Info = info;
        _regions = regions;
    }

    /// <summary>The device name VFIO knows it by (<c>SSSS:BB:DD.F</c>).</summary>
    public string Name { get; }

    /// <summary>The IOMMU group number (−1 when unknown).</summary>
    public int GroupId { get; }

    /// <summary>The open group descriptor: the ownership proof of a legacy hot reset (−1 when there is none).</summary>
    public int GroupFd => _group is { IsClosed: false } group ? group.Fd : -1;

    /// <inheritdoc/>
    public DeviceInfo Info { get; }

    /// <summary>
    /// Opens <paramref name="address"/> through the legacy container path: container, API version,
    /// TYPE1v2, group (must be viable), SET_CONTAINER, SET_IOMMU, GET_DEVICE_FD, then device info and region infos.
    /// </summary>
    /// <exception cref="HostDeviceException">ENOENT without VFIO; EPERM for a non-viable group or no interrupt remapping; others as the kernel reports.</exception>
    public static LinuxVfioDevice Open(PciAddress address, string devRoot = DefaultDevRoot, string sysfsRoot = SysfsHostReader.DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(devRoot);
        ArgumentException.ThrowIfNullOrWhiteSpace(sysfsRoot);
        string name = address.ToString();
        string containerPath = Path.Combine(devRoot, "vfio");

        FileDescriptorHandle container = OpenNode(containerPath, out Errno containerErrno);
        if (containerErrno != Errno.None)
        {
            container.Dispose();
            throw containerErrno == Errno.ENOENT
                ? new HostDeviceException(Errno.ENOENT, $"cannot open {name}: {containerPath} not found: the vfio-pci module is not loaded or this machine has no IOMMU")
                : new HostDeviceException(containerErrno, $"cannot open {name}: cannot open {containerPath}: {LibC.Describe(containerErrno)}");
        }

        FileDescriptorHandle? group = null;
        FileDescriptorHandle? device = null;
        try
        {
            int version = Ioctl(container, VfioIoctl.GetApiVersion, 0, name, "VFIO_GET_API_VERSION");
            if (version != VfioConstants.ApiVersion)
            {
                throw new HostDeviceException(Errno.EINVAL, $"cannot open {name}: {containerPath} speaks VFIO API version {version}, not {VfioConstants.ApiVersion}");
            }

            if (Ioctl(container, VfioIoctl.CheckExtension, VfioConstants.Type1v2Iommu, name, "VFIO_CHECK_EXTENSION(TYPE1v2)") <= 0)
            {
                throw new HostDeviceException(Errno.ENODEV, $"cannot open {name}: the kernel's VFIO offers no type1v2 IOMMU (is vfio_iommu_type1 loaded?)");
            }

            int groupId = ReadGroup(sysfsRoot, name);
            string groupPath = Path.Combine(devRoot, groupId.ToString(CultureInfo.InvariantCulture));
            group = OpenNode(groupPath, out Errno groupErrno);
            if (groupErrno != Errno.None)
            {
                throw groupErrno switch
                {
                    Errno.ENOENT => new HostDeviceException(Errno.ENOENT, $"cannot open {name}: {groupPath} not found: IOMMU group {groupId} is not bound to vfio-pci"),
                    Errno.EBUSY => new HostDeviceException(Errno.EBUSY, $"cannot open {name}: IOMMU group {groupId} is already open (another VMM or process holds {groupPath})"),
                    _ => new HostDeviceException(groupErrno, $"cannot open {name}: cannot open {groupPath}: {LibC.Describe(groupErrno)}"),
                };
            }

            RequireViable(group, name, groupId);
            SetContainer(group, container, name, groupId);
            SetIommu(container, name, groupId);
            device = GetDeviceFd(group, name);
            return FromDevice(name, groupId, device, new KernelVfioDeviceControl(device), group, container);
        }
        catch
        {
            device?.Dispose();
            group?.Dispose();
            container.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Completes an open device: asks for its info and every region's info through
    /// <paramref name="control"/> and takes ownership of the descriptors.
    /// </summary>
    internal static LinuxVfioDevice FromDevice(string name, int groupId, FileDescriptorHandle device, IVfioDeviceControl control, FileDescriptorHandle? group = null, FileDescriptorHandle? container = null)
    {
        try
        {
            DeviceInfo info = QueryDeviceInfo(control, name);
            var regions = new RegionInfo?[info.NumRegions];
            for (int i = 0; i < regions.Length; i++)
            {
                // Regions a device does not have (VGA on most) answer EINVAL.
                regions[i] = QueryRegionInfo(control, name, i, out Errno errno) ?? (errno == Errno.EINVAL ? null : throw RegionError(name, i, errno));
            }

            return new LinuxVfioDevice(name, groupId, device, control, group, container, info, regions);
        }
        catch
        {
            device.Dispose();
            group?.Dispose();
            container?.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public RegionInfo GetRegionInfo(int index) =>
        // Every region was asked for at open; the ones the kernel refused then do not exist.
        (uint)index < (uint)_regions.Length && _regions[index] is { } cached
            ? cached
            : throw new HostDeviceException(Errno.EINVAL, $"{Name} has no region {index}");

    /// <inheritdoc/>
    public unsafe Errno Read(int region, ulong offset, Span<byte> data)
    {
        Errno check = Locate(region, offset, data.Length, RegionFlags.Read, out long position);
        if (check != Errno.None || data.IsEmpty)
        {
            return check;
        }

        fixed (byte* start = data)
        {
            // Sound: start is pinned for the fixed block and pread writes at most the remaining bytes of data.
            return Transfer(start, data.Length, position, &LibC.pread);
        }
    }

    /// <inheritdoc/>
    public unsafe Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        Errno check = Locate(region, offset, data.Length, RegionFlags.Write, out long position);
        if (check != Errno.None || data.IsEmpty)
        {
            return check;
        }

        fixed (byte* start = data)
        {
            // Sound: start is pinned for the fixed block and pwrite reads at most the remaining bytes of data.
            return Transfer(start, data.Length, position, &LibC.pwrite);
        }
    }

    /// <inheritdoc/>
    public IMappedArea Map(int region, int area)
    {
        RegionInfo info = GetRegionInfo(region);
        if ((info.Flags & RegionFlags.Mmap) == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"region {region} of {Name} is not mappable");
        }

        SparseArea target;
        if (info.SparseAreas.Count == 0)
        {
            target = area == 0
                ? new SparseArea(0, info.Size)
                : throw new HostDeviceException(Errno.EINVAL, $"region {region} of {Name} has no sparse areas, only area 0 (the whole region)");
        }
        else
        {
            target = (uint)area < (uint)info.SparseAreas.Count
                ? info.SparseAreas[area]
                : throw new HostDeviceException(Errno.EINVAL, $"region {region} of {Name} has {info.SparseAreas.Count} sparse areas, not {area + 1}");
        }

        return MappedArea.Map(_device, checked((long)(info.Offset + target.Offset)), target.Size, (info.Flags & RegionFlags.Write) != 0, target.Offset);
    }

    /// <inheritdoc/>
    public RegionFile OpenRegionFile(int region)
    {
        RegionInfo info = GetRegionInfo(region);
        if ((info.Flags & RegionFlags.Mmap) == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"region {region} of {Name} is not mappable");
        }

        // The device fd maps every region at its own offset, as VFIO lays them out.
        return new RegionFile(_device.Duplicate(), checked((long)info.Offset));
    }

    /// <inheritdoc/>
    public IrqInfo GetIrqInfo(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var irq = new VfioIrqInfo { Argsz = (uint)Marshal.SizeOf<VfioIrqInfo>(), Index = (uint)index };
        if (_control.Ioctl(VfioIoctl.DeviceGetIrqInfo, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref irq, 1)), out Errno errno) < 0)
        {
            throw new HostDeviceException(errno, $"VFIO_DEVICE_GET_IRQ_INFO({index}) on {Name} failed: {LibC.Describe(errno)}");
        }

        return new IrqInfo(index, (IrqInfoFlags)irq.Flags, irq.Count);
    }

    /// <inheritdoc/>
    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int total = IrqSetHeaderSize + data.Length;
        byte[]? rented = null;
        Span<byte> buffer = total <= StackPayloadLimit ? stackalloc byte[StackPayloadLimit] : (rented = ArrayPool<byte>.Shared.Rent(total));
        buffer = buffer[..total];
        try
        {
            var header = new VfioIrqSet { Argsz = (uint)total, Flags = (uint)flags, Index = (uint)index, Start = start, Count = count };
            MemoryMarshal.Write(buffer, in header);
            data.CopyTo(buffer[IrqSetHeaderSize..]);

            int result;
            Errno errno;
            lock (_controlLock)
            {
                result = _control.Ioctl(VfioIoctl.DeviceSetIrqs, buffer, out errno);
            }

            if (result < 0)
            {
                throw new HostDeviceException(errno, $"VFIO_DEVICE_SET_IRQS(index {index}, start {start}, count {count}, flags {flags}) on {Name} failed: {LibC.Describe(errno)}");
            }

            // A positive result is the number of vectors available when fewer than asked exist.
            return result;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        lock (_controlLock)
        {
            if (_control.Ioctl(VfioIoctl.DeviceReset, 0, out Errno errno) < 0)
            {
                throw new HostDeviceException(errno, $"VFIO_DEVICE_RESET on {Name} failed: {LibC.Describe(errno)}");
            }
        }
    }

    /// <inheritdoc/>
    public HotResetInfo GetHotResetInfo()
    {
        uint capacity = 8;
        for (int attempt = 0; attempt < MaxHandshakes; attempt++)
        {
            int size = HotResetHeaderSize + (int)(capacity * DependentDeviceSize);
            byte[] buffer = new byte[size];
            MemoryMarshal.Write(buffer, new VfioPciHotResetInfo { Argsz = (uint)size });
            int result = _control.Ioctl(VfioIoctl.DeviceGetPciHotResetInfo, buffer, out Errno errno);
            VfioPciHotResetInfo header = MemoryMarshal.Read<VfioPciHotResetInfo>(buffer);
            if (result < 0)
            {
                if (errno == Errno.ENOSPC && header.Count > capacity && header.Count <= MaxHotResetDevices)
                {
                    capacity = header.Count;
                    continue;
                }

                throw new HostDeviceException(errno, $"VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on {Name} failed: {LibC.Describe(errno)}");
            }

            if (header.Count > capacity)
            {
                throw new HostDeviceException(Errno.EIO, $"VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on {Name} reported {header.Count} devices in room for {capacity}");
            }

            var devices = new DependentDevice[header.Count];
            for (int i = 0; i < devices.Length; i++)
            {
                VfioPciDependentDevice d = MemoryMarshal.Read<VfioPciDependentDevice>(buffer.AsSpan(HotResetHeaderSize + (i * DependentDeviceSize)));
                devices[i] = new DependentDevice(d.GroupIdOrDevId, d.Segment, d.Bus, d.DevFn);
            }

            return new HotResetInfo((HotResetFlags)header.Flags, devices);
        }

        throw new HostDeviceException(Errno.ENOSPC, $"VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on {Name} kept asking for a larger buffer");
    }

    /// <inheritdoc/>
    public void HotReset(HotResetProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        int count = proof.GroupFds.Count;
        int size = HotResetHeaderSize + (count * sizeof(int));
        byte[] buffer = new byte[size];
        MemoryMarshal.Write(buffer, new VfioPciHotReset { Argsz = (uint)size, Flags = 0, Count = (uint)count });
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(HotResetHeaderSize + (i * sizeof(int))), proof.GroupFds[i]);
        }

        lock (_controlLock)
        {
            if (_control.Ioctl(VfioIoctl.DevicePciHotReset, buffer, out Errno errno) < 0)
            {
                throw new HostDeviceException(errno, $"VFIO_DEVICE_PCI_HOT_RESET on {Name} with {count} group fds failed: {LibC.Describe(errno)}");
            }
        }
    }

    /// <summary>Closes the device, then its group and container (the kernel's last-close handling follows).</summary>
    public void Dispose()
    {
        _device.Dispose();
        _group?.Dispose();
        _container?.Dispose();
    }

    /// <summary>Turns a <c>vfio_region_info</c> buffer into a <see cref="RegionInfo"/>.</summary>
    internal static RegionInfo DecodeRegionInfo(int index, ReadOnlySpan<byte> buffer, string name)
    {
        VfioRegionInfo raw = MemoryMarshal.Read<VfioRegionInfo>(buffer);
        if (!VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out string? error))
        {
            throw new HostDeviceException(Errno.EIO, $"region {index} of {name}: {error}");
        }

        var flags = (RegionFlags)raw.Flags;
        if (caps.SparseAreas is { Count: 0 })
        {
            // A sparse mmap capability without areas means nothing may be mapped.
            flags &= ~RegionFlags.Mmap;
        }

        return new RegionInfo(index, flags, raw.Size, raw.Offset, caps.SparseAreas ?? [], caps.MsixMappable, caps.Type);
    }

    private static RegionInfo? QueryRegionInfo(IVfioDeviceControl control, string name, int index, out Errno errno)
    {
        if (index < 0)
        {
            errno = Errno.EINVAL;
            return null;
        }

        int size = InitialRegionInfoSize;
        for (int attempt = 0; attempt < MaxHandshakes; attempt++)
        {
            byte[] buffer = new byte[size];
            MemoryMarshal.Write(buffer, new VfioRegionInfo { Argsz = (uint)size, Index = (uint)index });
            if (control.Ioctl(VfioIoctl.DeviceGetRegionInfo, buffer, out errno) < 0)
            {
                return null;
            }

            VfioRegionInfo raw = MemoryMarshal.Read<VfioRegionInfo>(buffer);
            if (raw.Argsz > (uint)size)
            {
                // The capability chain did not fit: the kernel said how much room it needs.
                if (raw.Argsz > MaxRegionInfoSize)
                {
                    throw new HostDeviceException(Errno.EIO, $"region {index} of {name} asks for a {raw.Argsz}-byte info buffer");
                }

                size = (int)raw.Argsz;
                continue;
            }

            errno = Errno.None;
            return DecodeRegionInfo(index, buffer.AsSpan(0, (int)Math.Max(raw.Argsz, (uint)Marshal.SizeOf<VfioRegionInfo>())), name);
        }

        errno = Errno.EIO;
        return null;
    }

    private static HostDeviceException RegionError(string name, int index, Errno errno) =>
        new(errno, $"VFIO_DEVICE_GET_REGION_INFO({index}) on {name} failed: {LibC.Describe(errno)}");

    private static FileDescriptorHandle OpenNode(string path, out Errno errno)
    {
        FileDescriptorHandle handle = LibC.open(path, LibC.ORdwr | LibC.OCloexec);
        errno = handle.IsInvalid ? LibC.LastErrno() : Errno.None;
        return handle;
    }

    private static int Ioctl(FileDescriptorHandle fd, uint request, nint argument, string name, string what)
    {
        int result = LibC.ioctl(fd, request, argument);
        if (result < 0)
        {
            Errno errno = LibC.LastErrno();
            throw new HostDeviceException(errno, $"{what} for {name} failed: {LibC.Describe(errno)}");
        }

        return result;
    }

    private static int ReadGroup(string sysfsRoot, string name)
    {
        string link = Path.Combine(sysfsRoot, "bus", "pci", "devices", name, "iommu_group");
        string? target;
        try
        {
            target = new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            target = null;
        }

        if (target is null)
        {
            throw new HostDeviceException(Errno.ENODEV, $"cannot open {name}: it has no IOMMU group ({link} is missing)");
        }

        return int.TryParse(Path.GetFileName(target), NumberStyles.None, CultureInfo.InvariantCulture, out int group)
            ? group
            : throw new HostDeviceException(Errno.ENODEV, $"cannot open {name}: its IOMMU group link points at '{target}'");
    }

    private static unsafe void RequireViable(FileDescriptorHandle group, string name, int groupId)
    {
        var status = new VfioGroupStatus { Argsz = (uint)sizeof(VfioGroupStatus) };

        // Sound: the kernel reads and writes one vfio_group_status, the local status, during the call.
        if (LibC.ioctl(group, VfioIoctl.GroupGetStatus, &status) < 0)
        {
            Errno errno = LibC.LastErrno();
            throw new HostDeviceException(errno, $"VFIO_GROUP_GET_STATUS for IOMMU group {groupId} ({name}) failed: {LibC.Describe(errno)}");
        }

        if ((status.Flags & VfioConstants.GroupFlagsViable) == 0)
        {
            throw new HostDeviceException(Errno.EPERM, $"cannot open {name}: IOMMU group {groupId} is not viable: every device in it must be bound to vfio-pci or pci-stub, or to no driver");
        }
    }

    private static unsafe void SetContainer(FileDescriptorHandle group, FileDescriptorHandle container, string name, int groupId)
    {
        bool added = false;
        try
        {
            container.DangerousAddRef(ref added);
            int fd = container.Fd;

            // Sound: the kernel reads one int32 (the container fd) from the local during the call.
            if (LibC.ioctl(group, VfioIoctl.GroupSetContainer, &fd) < 0)
            {
                Errno errno = LibC.LastErrno();
                throw errno == Errno.EPERM
                    ? new HostDeviceException(Errno.EPERM, $"cannot open {name}: VFIO_GROUP_SET_CONTAINER refused IOMMU group {groupId}: the group is not viable, or the IOMMU lacks interrupt remapping")
                    : new HostDeviceException(errno, $"VFIO_GROUP_SET_CONTAINER for IOMMU group {groupId} ({name}) failed: {LibC.Describe(errno)}");
            }
        }
        finally
        {
            if (added)
            {
                container.DangerousRelease();
            }
        }
    }

    private static void SetIommu(FileDescriptorHandle container, string name, int groupId)
    {
        if (LibC.ioctl(container, VfioIoctl.SetIommu, VfioConstants.Type1v2Iommu) < 0)
        {
            Errno errno = LibC.LastErrno();
            throw errno == Errno.EPERM
                ? new HostDeviceException(Errno.EPERM, $"cannot open {name}: the type1 IOMMU refused IOMMU group {groupId} because the platform lacks interrupt remapping, so the device's interrupts could not be isolated; enable interrupt remapping (VT-d/AMD-Vi) in firmware and the kernel")
                : new HostDeviceException(errno, $"VFIO_SET_IOMMU(TYPE1v2) for IOMMU group {groupId} ({name}) failed: {LibC.Describe(errno)}");
        }
    }

    private static unsafe FileDescriptorHandle GetDeviceFd(FileDescriptorHandle group, string name)
    {
        Span<byte> text = stackalloc byte[64];
        text.Clear();
        if (name.Length >= text.Length || Encoding.ASCII.GetBytes(name, text[..^1]) != name.Length)
        {
            throw new HostDeviceException(Errno.EINVAL, $"device name '{name}' is not a short ASCII name");
        }

        int fd;
        fixed (byte* pointer = text)
        {
            // Sound: the kernel reads a NUL-terminated string from the zeroed 64-byte stack buffer,
            // whose last byte is never written, so the string always ends inside it.
            fd = LibC.ioctl(group, VfioIoctl.GroupGetDeviceFd, pointer);
        }

        if (fd < 0)
        {
            Errno errno = LibC.LastErrno();
            throw new HostDeviceException(errno, $"VFIO_GROUP_GET_DEVICE_FD({name}) failed: {LibC.Describe(errno)}");
        }

        // The kernel opens device fds close-on-exec.
        return new FileDescriptorHandle(fd);
    }

    private static DeviceInfo QueryDeviceInfo(IVfioDeviceControl control, string name)
    {
        var info = new VfioDeviceInfo { Argsz = (uint)Marshal.SizeOf<VfioDeviceInfo>() };
        if (control.Ioctl(VfioIoctl.DeviceGetInfo, MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref info, 1)), out Errno errno) < 0)
        {
            throw new HostDeviceException(errno, $"VFIO_DEVICE_GET_INFO on {name} failed: {LibC.Describe(errno)}");
        }

        if (info.NumRegions > MaxRegions || info.NumIrqs > MaxRegions)
        {
            throw new HostDeviceException(Errno.EIO, $"VFIO_DEVICE_GET_INFO on {name} reports {info.NumRegions} regions and {info.NumIrqs} IRQ indexes, more than any PCI device has");
        }

        return new DeviceInfo((DeviceFlags)info.Flags, (int)info.NumRegions, (int)info.NumIrqs);
    }

    private Errno Locate(int region, ulong offset, int length, RegionFlags access, out long position)
    {
        position = 0;
        if ((uint)region >= (uint)_regions.Length || _regions[region] is not { } info)
        {
            return Errno.EINVAL;
        }

        if ((info.Flags & access) == 0 || offset > info.Size || (ulong)length > info.Size - offset)
        {
            return Errno.EINVAL;
        }

        if (_device.IsClosed)
        {
            return Errno.EBADF;
        }

        position = (long)(info.Offset + offset);
        return Errno.None;
    }

    // pread/pwrite until every byte moved: all of them or an errno, never a partial transfer.
    private unsafe Errno Transfer(byte* start, int length, long position, delegate*<FileDescriptorHandle, void*, nuint, long, nint> io)
    {
        int done = 0;
        while (done < length)
        {
            nint n = io(_device, start + done, (nuint)(length - done), position + done);
            if (n > 0)
            {
                done += (int)n;
                continue;
            }

            Errno errno = n == 0 ? Errno.EIO : LibC.LastErrno();
            if ((int)errno != LibC.EIntr)
            {
                return errno;
            }
        }

        return Errno.None;
    }
}
