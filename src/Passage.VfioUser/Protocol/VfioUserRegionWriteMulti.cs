using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// REGION_WRITE_MULTI request (vfio-user.md §4): wr_cnt u64 at 0, then wr_cnt 24-byte
/// <see cref="VfioUserRegionWriteEntry"/> entries. The reply is wr_cnt u64 alone: the writes completed.
/// </summary>
public readonly ref struct VfioUserRegionWriteMulti
{
    /// <summary>Size of wr_cnt (and of the whole reply).</summary>
    public const int HeadSize = 8;

    private readonly ReadOnlySpan<byte> _entries;

    private VfioUserRegionWriteMulti(ReadOnlySpan<byte> entries) => _entries = entries;

    /// <summary>Entries in the request.</summary>
    public int Count => _entries.Length / VfioUserRegionWriteEntry.EntrySize;

    /// <summary>The <paramref name="index"/>th entry.</summary>
    public VfioUserRegionWriteEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return VfioUserRegionWriteEntry.Read(_entries.Slice(index * VfioUserRegionWriteEntry.EntrySize, VfioUserRegionWriteEntry.EntrySize));
    }

    /// <summary>
    /// Reads a request; EINVAL when the payload is shorter than 8 bytes, is not 8 + 24 · wr_cnt
    /// bytes, or an entry's count is 0 or above 8 or its offset + count wraps.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserRegionWriteMulti request, out Errno error)
    {
        request = default;
        error = Errno.EINVAL;
        if (payload.Length < HeadSize)
        {
            return false;
        }

        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(payload);
        ReadOnlySpan<byte> entries = payload[HeadSize..];
        if (count != (ulong)(entries.Length / VfioUserRegionWriteEntry.EntrySize) || entries.Length % VfioUserRegionWriteEntry.EntrySize != 0)
        {
            return false;
        }

        for (int at = 0; at < entries.Length; at += VfioUserRegionWriteEntry.EntrySize)
        {
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entries[at..]);
            uint bytes = BinaryPrimitives.ReadUInt32LittleEndian(entries[(at + 12)..]);
            if (bytes is 0 or > VfioUserLimits.WriteMultiMaxEntryData || offset > ulong.MaxValue - bytes)
            {
                return false;
            }
        }

        request = new VfioUserRegionWriteMulti(entries);
        error = Errno.None;
        return true;
    }

    /// <summary>The request's size for <paramref name="entryCount"/> entries.</summary>
    public static int SizeFor(int entryCount) => HeadSize + (entryCount * VfioUserRegionWriteEntry.EntrySize);

    /// <summary>Writes a request; returns its size.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<VfioUserRegionWriteEntry> entries)
    {
        int size = SizeFor(entries.Length);
        VfioUserWire.EnsureRoom(destination, size);
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i].Write(destination[(HeadSize + (i * VfioUserRegionWriteEntry.EntrySize))..]);
        }

        return size;
    }

    /// <summary>Reads the reply's wr_cnt; EINVAL unless the payload is exactly 8 bytes.</summary>
    public static bool TryReadReply(ReadOnlySpan<byte> payload, out ulong completed, out Errno error)
    {
        completed = 0;
        if (payload.Length != HeadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        completed = BinaryPrimitives.ReadUInt64LittleEndian(payload);
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the reply (wr_cnt completed); returns 8.</summary>
    public static int WriteReply(Span<byte> destination, ulong completed)
    {
        VfioUserWire.EnsureRoom(destination, HeadSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination, completed);
        return HeadSize;
    }
}
