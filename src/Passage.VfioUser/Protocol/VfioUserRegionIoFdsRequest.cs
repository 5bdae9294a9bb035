using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_GET_REGION_IO_FDS request (vfio-user.md §4), 16 bytes: argsz u32 at 0 (the largest
/// reply payload accepted), flags u32 at 4 (0), index u32 at 8, count u32 at 12 (0).
/// </summary>
/// <param name="Argsz">The largest reply payload the client accepts; at least 16.</param>
/// <param name="Index">The region.</param>
public readonly record struct VfioUserRegionIoFdsRequest(uint Argsz, uint Index)
{
    /// <summary>The payload's size.</summary>
    public const int PayloadSize = VfioUserRegionIoFds.HeadSize;

    /// <summary>Reads a request; EINVAL when the payload is not 16 bytes, argsz is below 16, or flags or count is not 0.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserRegionIoFdsRequest request, out Errno error)
    {
        request = default;
        if (payload.Length != PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        if (argsz < PayloadSize || flags != 0 || count != 0)
        {
            error = Errno.EINVAL;
            return false;
        }

        request = new VfioUserRegionIoFdsRequest(argsz, BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the 16 bytes; returns 16.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        return PayloadSize;
    }
}
