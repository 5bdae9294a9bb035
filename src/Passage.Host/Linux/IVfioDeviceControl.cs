using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>The ioctls of one VFIO device fd, apart so the argument handling can be checked without a kernel.</summary>
internal interface IVfioDeviceControl
{
    /// <summary>An ioctl whose argument points at <paramref name="argument"/>; returns the result (≥ 0) or −1 with <paramref name="errno"/>.</summary>
    int Ioctl(uint request, Span<byte> argument, out Errno errno);

    /// <summary>An ioctl whose argument is a value; returns the result (≥ 0) or −1 with <paramref name="errno"/>.</summary>
    int Ioctl(uint request, nint value, out Errno errno);
}
