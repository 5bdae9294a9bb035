using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_GET_REGION_IO_FDS reply (vfio-user.md §5): a 16-byte head (argsz u32 at 0, flags u32 at
/// 4, index u32 at 8, count u32 at 12) and <c>count</c> entries. The entry stride is
/// <c>(argsz − 16) / count</c>, never assumed: 40 bytes in the spec's form, 48 in libvfio-user's.
/// A reply that does not fit the request's argsz is only the head, with argsz = the size needed,
/// the count, and no entries (and no fds).
/// </summary>
public readonly ref struct VfioUserRegionIoFds
{
    /// <summary>Size of the head.</summary>
    public const int HeadSize = 16;

    private readonly ReadOnlySpan<byte> _entries;

    private VfioUserRegionIoFds(uint argsz, uint flags, uint index, uint count, int stride, ReadOnlySpan<byte> entries)
    {
        Argsz = argsz;
        Flags = flags;
        Index = index;
        Count = count;
        Stride = stride;
        _entries = entries;
    }

    /// <summary>The size the full reply needs.</summary>
    public uint Argsz { get; }

    /// <summary>0.</summary>
    public uint Flags { get; }

    /// <summary>The region.</summary>
    public uint Index { get; }

    /// <summary>Entries of the full reply.</summary>
    public uint Count { get; }

    /// <summary>Bytes per entry (40 or 48); 0 with no entries.</summary>
    public int Stride { get; }

    /// <summary>The reply is only the head: ask again with argsz = <see cref="Argsz"/> for the entries and fds.</summary>
    public bool IsTruncated => Count != 0 && _entries.IsEmpty;

    /// <summary>Entries the reply carries (0 when truncated).</summary>
    public int EntryCount => Stride == 0 ? 0 : _entries.Length / Stride;

    /// <summary>The <paramref name="index"/>th entry.</summary>
    public VfioUserIoFdEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, EntryCount);
        return VfioUserIoFdEntry.Read(_entries.Slice(index * Stride, Stride), Stride);
    }

    /// <summary>
    /// Reads a reply; EINVAL when the payload is shorter than 16 bytes, the count is beyond
    /// <see cref="VfioUserLimits.MaxIoFdEntries"/>, the stride derived from argsz is neither 40 nor
    /// 48 (or does not divide it), or the payload is neither the head alone nor exactly argsz bytes.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserRegionIoFds reply, out Errno error)
    {
        reply = default;
        error = Errno.EINVAL;
        if (payload.Length < HeadSize)
        {
            return false;
        }

        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        if (argsz < HeadSize || count > VfioUserLimits.MaxIoFdEntries)
        {
            return false;
        }

        if (count == 0)
        {
            if (payload.Length != HeadSize)
            {
                return false;
            }

            reply = new VfioUserRegionIoFds(argsz, flags, index, 0, 0, default);
            error = Errno.None;
            return true;
        }

        uint entryBytes = argsz - HeadSize;
        uint stride = entryBytes / count;
        if (stride is not (VfioUserIoFdEntry.SpecSize or VfioUserIoFdEntry.LibVfioUserSize) || entryBytes != stride * count)
        {
            return false;
        }

        // The head alone says the entries did not fit the request; otherwise they are all there.
        if (payload.Length != HeadSize && (uint)payload.Length != argsz)
        {
            return false;
        }

        reply = new VfioUserRegionIoFds(argsz, flags, index, count, (int)stride, payload[HeadSize..]);
        error = Errno.None;
        return true;
    }

    /// <summary>The size of the full reply with <paramref name="entryCount"/> entries of <paramref name="stride"/> bytes.</summary>
    public static int FullSize(int entryCount, int stride = VfioUserIoFdEntry.SpecSize)
    {
        CheckShape(entryCount, stride);
        return HeadSize + (entryCount * stride);
    }

    /// <summary>The argsz rule: whether the full reply fits a request of <paramref name="requestArgsz"/>; only a full reply carries the entries and their fds.</summary>
    public static bool Fits(uint requestArgsz, int entryCount, int stride = VfioUserIoFdEntry.SpecSize) =>
        requestArgsz >= (uint)FullSize(entryCount, stride);

    /// <summary>
    /// Writes the reply for <paramref name="index"/> with <paramref name="entries"/> in the form of
    /// <paramref name="stride"/> bytes to a request of <paramref name="requestArgsz"/>; returns its
    /// size. When the entries do not fit, only the head is written (argsz = the size needed, count).
    /// </summary>
    public static int Write(Span<byte> destination, uint requestArgsz, uint index, ReadOnlySpan<VfioUserIoFdEntry> entries, int stride = VfioUserIoFdEntry.SpecSize)
    {
        int full = FullSize(entries.Length, stride);
        bool fits = requestArgsz >= (uint)full;
        int written = fits ? full : HeadSize;
        VfioUserWire.EnsureRoom(destination, written);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)full);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)entries.Length);
        if (fits)
        {
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i].Write(destination.Slice(HeadSize + (i * stride), stride), stride);
            }
        }

        return written;
    }

    private static void CheckShape(int entryCount, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entryCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entryCount, VfioUserLimits.MaxIoFdEntries);
        if (stride is not (VfioUserIoFdEntry.SpecSize or VfioUserIoFdEntry.LibVfioUserSize))
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "entries are 40 or 48 bytes");
        }
    }
}
