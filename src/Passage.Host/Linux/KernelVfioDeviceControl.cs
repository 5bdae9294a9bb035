using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>Device ioctls issued to the kernel on a VFIO device fd.</summary>
internal sealed class KernelVfioDeviceControl(FileDescriptorHandle device) : IVfioDeviceControl
{
    /// <inheritdoc/>
    public unsafe int Ioctl(uint request, Span<byte> argument, out Errno errno)
    {
        if (argument.Length < sizeof(uint) || BinaryPrimitives.ReadUInt32LittleEndian(argument) > (uint)argument.Length)
        {
            // The kernel trusts argsz; one larger than the buffer would let it run past the span.
            errno = Errno.EINVAL;
            return -1;
        }

        int result;
        fixed (byte* pointer = argument)
        {
            // Sound: every VFIO argument structure starts with argsz, checked above to be at most
            // the span's length, so the kernel touches only the pinned span.
            result = LibC.ioctl(device, request, pointer);
        }

        errno = result < 0 ? LibC.LastErrno() : Errno.None;
        return result;
    }

    /// <inheritdoc/>
    public int Ioctl(uint request, nint value, out Errno errno)
    {
        int result = LibC.ioctl(device, request, value);
        errno = result < 0 ? LibC.LastErrno() : Errno.None;
        return result;
    }
}
