using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_GET_REGION_INFO request (vfio-user.md §4): a 32-byte <c>vfio_region_info</c> with only
/// argsz (u32 at 0: the largest reply payload accepted) and index (u32 at 8) set; the other fields are 0.
/// </summary>
/// <param name="Argsz">The largest reply payload the client accepts; at least 32.</param>
/// <param name="Index">The region.</param>
public readonly record struct VfioUserRegionInfoRequest(uint Argsz, uint Index)
{
    /// <summary>The payload's size.</summary>
    public const int PayloadSize = VfioUserRegionInfo.HeadSize;

    /// <summary>Reads a request; EINVAL when the payload is not 32 bytes or argsz is below 32.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserRegionInfoRequest request, out Errno error)
    {
        request = default;
        if (payload.Length != PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (argsz < PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        request = new VfioUserRegionInfoRequest(argsz, BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the 32 bytes (flags, cap_offset, size and offset 0); returns 32.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        destination[..PayloadSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Index);
        return PayloadSize;
    }
}
