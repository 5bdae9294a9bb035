using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// REGION_READ and REGION_WRITE payloads (vfio-user.md §4): offset u64 at 0, region u32 at 8,
/// count u32 at 12, then the data where the message carries it. The head alone is a REGION_READ
/// request or a REGION_WRITE reply; head and data are a REGION_WRITE request or a REGION_READ reply.
/// </summary>
public readonly ref struct VfioUserRegionAccess
{
    /// <summary>Size of the head.</summary>
    public const int HeadSize = VfioUserLimits.AccessHeadSize;

    /// <summary>An access of <paramref name="count"/> bytes without data (a REGION_READ request or a REGION_WRITE reply).</summary>
    public VfioUserRegionAccess(ulong offset, uint region, uint count)
    {
        Offset = offset;
        Region = region;
        Count = count;
    }

    /// <summary>An access carrying <paramref name="data"/> (a REGION_WRITE request or a REGION_READ reply).</summary>
    public VfioUserRegionAccess(ulong offset, uint region, ReadOnlySpan<byte> data)
        : this(offset, region, (uint)data.Length)
    {
        Data = data;
    }

    /// <summary>Offset in the region.</summary>
    public ulong Offset { get; }

    /// <summary>The region.</summary>
    public uint Region { get; }

    /// <summary>Bytes accessed.</summary>
    public uint Count { get; }

    /// <summary>The data (a slice of the payload), empty for a head alone.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The payload's size: head plus data.</summary>
    public int PayloadSize => HeadSize + Data.Length;

    /// <summary>
    /// Reads a head alone (REGION_READ request, REGION_WRITE reply); EINVAL when the payload is not
    /// 16 bytes, the count exceeds <paramref name="maxCount"/> (never more than
    /// <see cref="VfioUserLimits.MaxDataTransfer"/>), or offset + count wraps.
    /// </summary>
    public static bool TryReadHead(ReadOnlySpan<byte> payload, out VfioUserRegionAccess access, out Errno error, uint maxCount = VfioUserLimits.MaxDataTransfer)
    {
        access = default;
        if (payload.Length != HeadSize || !TryReadCheckedHead(payload, maxCount, out ulong offset, out uint region, out uint count))
        {
            error = Errno.EINVAL;
            return false;
        }

        access = new VfioUserRegionAccess(offset, region, count);
        error = Errno.None;
        return true;
    }

    /// <summary>
    /// Reads a head and its data (REGION_WRITE request, REGION_READ reply); EINVAL when the payload
    /// is not 16 + count bytes, or the head fails <see cref="TryReadHead"/>'s checks.
    /// </summary>
    public static bool TryReadWithData(ReadOnlySpan<byte> payload, out VfioUserRegionAccess access, out Errno error, uint maxCount = VfioUserLimits.MaxDataTransfer)
    {
        access = default;
        if (payload.Length < HeadSize
            || !TryReadCheckedHead(payload, maxCount, out ulong offset, out uint region, out uint count)
            || (uint)(payload.Length - HeadSize) != count)
        {
            error = Errno.EINVAL;
            return false;
        }

        access = new VfioUserRegionAccess(offset, region, payload[HeadSize..]);
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the head alone; returns 16. A REGION_READ reply writes its data after it, in place.</summary>
    public int WriteHead(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, HeadSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Region);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Count);
        return HeadSize;
    }

    /// <summary>Writes head and data; returns <see cref="PayloadSize"/>.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        WriteHead(destination);
        Data.CopyTo(destination[HeadSize..]);
        return PayloadSize;
    }

    private static bool TryReadCheckedHead(ReadOnlySpan<byte> payload, uint maxCount, out ulong offset, out uint region, out uint count)
    {
        offset = BinaryPrimitives.ReadUInt64LittleEndian(payload);
        region = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        count = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        return count <= Math.Min(maxCount, (uint)VfioUserLimits.MaxDataTransfer) && offset <= ulong.MaxValue - count;
    }
}
