using System.Buffers.Binary;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// One REGION_WRITE_MULTI entry (vfio-user.md §4), 24 bytes: offset u64 at 0, region u32 at 8,
/// count u32 at 12 (at most 8), data at 16 (8 bytes, the first <c>count</c> written).
/// </summary>
/// <param name="Offset">Offset in the region.</param>
/// <param name="Region">The region.</param>
/// <param name="Count">Bytes written, 1–8.</param>
/// <param name="Data">The 8 data bytes as a little-endian u64; the first <paramref name="Count"/> are the write.</param>
public readonly record struct VfioUserRegionWriteEntry(ulong Offset, uint Region, uint Count, ulong Data)
{
    /// <summary>Size of one entry.</summary>
    public const int EntrySize = 24;

    /// <summary>An entry writing <paramref name="data"/> (1–8 bytes).</summary>
    public static VfioUserRegionWriteEntry Create(ulong offset, uint region, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfZero(data.Length, nameof(data));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data.Length, VfioUserLimits.WriteMultiMaxEntryData, nameof(data));
        Span<byte> bytes = stackalloc byte[VfioUserLimits.WriteMultiMaxEntryData];
        bytes.Clear();
        data.CopyTo(bytes);
        return new VfioUserRegionWriteEntry(offset, region, (uint)data.Length, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
    }

    /// <summary>Copies the written bytes (the first <see cref="Count"/>) into <paramref name="destination"/>; returns their number.</summary>
    public int CopyData(Span<byte> destination)
    {
        Span<byte> bytes = stackalloc byte[VfioUserLimits.WriteMultiMaxEntryData];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Data);
        int count = (int)Math.Min(Count, (uint)VfioUserLimits.WriteMultiMaxEntryData);
        bytes[..count].CopyTo(destination);
        return count;
    }

    internal static VfioUserRegionWriteEntry Read(ReadOnlySpan<byte> entry) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(entry),
        BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]),
        BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]));

    internal void Write(Span<byte> entry)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(entry, Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], Region);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], Count);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], Data);
    }
}
