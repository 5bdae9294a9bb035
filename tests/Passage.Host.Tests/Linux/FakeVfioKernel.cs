using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Linux.Vfio;

namespace Passage.Host.Tests.Linux;

/// <summary>Answers device ioctls as vfio-pci does, from a table, recording every argument it was given.</summary>
internal sealed class FakeVfioKernel : IVfioDeviceControl
{
    public delegate int Handler(Span<byte> argument, out Errno errno);

    public uint DeviceFlags { get; set; } = VfioConstants.DeviceFlagsPci | VfioConstants.DeviceFlagsReset;

    public uint NumRegions { get; set; } = VfioRegion.PciCount;

    public uint NumIrqs { get; set; } = VfioIrq.PciCount;

    /// <summary>Regions by index: flags, size, offset, and a capability chain laid out as if it started at offset 32.</summary>
    public Dictionary<int, (uint Flags, ulong Size, ulong Offset, byte[] Caps)> Regions { get; } = [];

    public Dictionary<uint, Handler> Handlers { get; } = [];

    public List<(uint Request, byte[] Argument)> Calls { get; } = [];

    public int Ioctl(uint request, Span<byte> argument, out Errno errno)
    {
        Calls.Add((request, argument.ToArray()));
        if (Handlers.TryGetValue(request, out Handler? handler))
        {
            return handler(argument, out errno);
        }

        switch (request)
        {
            case VfioIoctl.DeviceGetInfo:
                BinaryPrimitives.WriteUInt32LittleEndian(argument[4..], DeviceFlags);
                BinaryPrimitives.WriteUInt32LittleEndian(argument[8..], NumRegions);
                BinaryPrimitives.WriteUInt32LittleEndian(argument[12..], NumIrqs);
                errno = Errno.None;
                return 0;
            case VfioIoctl.DeviceGetRegionInfo:
                return RegionInfo(argument, out errno);
            default:
                errno = Errno.ENOTTY;
                return -1;
        }
    }

    public int Ioctl(uint request, nint value, out Errno errno)
    {
        byte[] recorded = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(recorded, value);
        Calls.Add((request, recorded));
        if (Handlers.TryGetValue(request, out Handler? handler))
        {
            return handler([], out errno);
        }

        errno = Errno.ENOTTY;
        return -1;
    }

    public byte[][] ArgumentsOf(uint request) => [.. Calls.Where(c => c.Request == request).Select(c => c.Argument)];

    // As vfio_pci_ioctl_get_region_info: a chain that does not fit leaves cap_offset 0 and raises argsz.
    private int RegionInfo(Span<byte> argument, out Errno errno)
    {
        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(argument);
        int index = (int)BinaryPrimitives.ReadUInt32LittleEndian(argument[8..]);
        if (!Regions.TryGetValue(index, out (uint Flags, ulong Size, ulong Offset, byte[] Caps) region))
        {
            errno = Errno.EINVAL;
            return -1;
        }

        uint flags = region.Flags;
        uint capOffset = 0;
        if (region.Caps.Length > 0)
        {
            flags |= VfioConstants.RegionInfoFlagCaps;
            uint needed = (uint)(32 + region.Caps.Length);
            if (argsz < needed)
            {
                argsz = needed;
            }
            else
            {
                region.Caps.CopyTo(argument[32..]);
                capOffset = 32;
            }
        }

        BinaryPrimitives.WriteUInt32LittleEndian(argument, argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(argument[4..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(argument[12..], capOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(argument[16..], region.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(argument[24..], region.Offset);
        errno = Errno.None;
        return 0;
    }
}
