using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DMA_READ and DMA_WRITE payloads (vfio-user.md §4, §8 rule 6): address u64 at 0, count u64 at 8,
/// then the data where the message carries it. The head alone is a DMA_READ request or a DMA_WRITE
/// reply — exactly 16 bytes echoing address and count, as libvfio-user requires; head and data are
/// a DMA_WRITE request or a DMA_READ reply.
/// </summary>
public readonly ref struct VfioUserDmaAccess
{
    /// <summary>Size of the head.</summary>
    public const int HeadSize = VfioUserLimits.AccessHeadSize;

    /// <summary>An access of <paramref name="count"/> bytes without data (a DMA_READ request or a DMA_WRITE reply).</summary>
    public VfioUserDmaAccess(ulong address, ulong count)
    {
        Address = address;
        Count = count;
    }

    /// <summary>An access carrying <paramref name="data"/> (a DMA_WRITE request or a DMA_READ reply).</summary>
    public VfioUserDmaAccess(ulong address, ReadOnlySpan<byte> data)
        : this(address, (ulong)data.Length)
    {
        Data = data;
    }

    /// <summary>The client's DMA address.</summary>
    public ulong Address { get; }

    /// <summary>Bytes accessed.</summary>
    public ulong Count { get; }

    /// <summary>The data (a slice of the payload), empty for a head alone.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The payload's size: head plus data.</summary>
    public int PayloadSize => HeadSize + Data.Length;

    /// <summary>
    /// Reads a head alone (DMA_READ request, DMA_WRITE reply); EINVAL when the payload is not
    /// exactly 16 bytes, the count exceeds <paramref name="maxCount"/> (never more than
    /// <see cref="VfioUserLimits.MaxDataTransfer"/>), or address + count wraps.
    /// </summary>
    public static bool TryReadHead(ReadOnlySpan<byte> payload, out VfioUserDmaAccess access, out Errno error, ulong maxCount = VfioUserLimits.MaxDataTransfer)
    {
        access = default;
        if (payload.Length != HeadSize || !TryReadCheckedHead(payload, maxCount, out ulong address, out ulong count))
        {
            error = Errno.EINVAL;
            return false;
        }

        access = new VfioUserDmaAccess(address, count);
        error = Errno.None;
        return true;
    }

    /// <summary>
    /// Reads a head and its data (DMA_WRITE request, DMA_READ reply); EINVAL when the payload is
    /// not 16 + count bytes, or the head fails <see cref="TryReadHead"/>'s checks.
    /// </summary>
    public static bool TryReadWithData(ReadOnlySpan<byte> payload, out VfioUserDmaAccess access, out Errno error, ulong maxCount = VfioUserLimits.MaxDataTransfer)
    {
        access = default;
        if (payload.Length < HeadSize
            || !TryReadCheckedHead(payload, maxCount, out ulong address, out ulong count)
            || (ulong)(payload.Length - HeadSize) != count)
        {
            error = Errno.EINVAL;
            return false;
        }

        access = new VfioUserDmaAccess(address, payload[HeadSize..]);
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the head alone; returns 16. A DMA_READ reply writes its data after it, in place.</summary>
    public int WriteHead(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, HeadSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Address);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Count);
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

    private static bool TryReadCheckedHead(ReadOnlySpan<byte> payload, ulong maxCount, out ulong address, out ulong count)
    {
        address = BinaryPrimitives.ReadUInt64LittleEndian(payload);
        count = BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]);
        return count <= Math.Min(maxCount, VfioUserLimits.MaxDataTransfer) && address <= ulong.MaxValue - count;
    }
}
