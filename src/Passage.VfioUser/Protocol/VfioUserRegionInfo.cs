using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_GET_REGION_INFO reply (vfio-user.md §5, §8 rule 4): the 32-byte <c>vfio_region_info</c>
/// (argsz u32 at 0, flags u32 at 4, index u32 at 8, cap_offset u32 at 12, size u64 at 16, offset
/// u64 at 24) and its capability chain. Every capability starts <c>{u16 id, u16 version, u32
/// next}</c>; <c>next</c> and <c>cap_offset</c> count from the start of the region info. The
/// sparse mmap capability (id 1, version 1) holds <c>u32 nr_areas, u32 reserved</c> and then
/// <c>{u64 offset, u64 size}</c> pairs; the type capability (id 2) holds <c>u32 type, u32 subtype</c>.
/// A reply that does not fit the request's argsz is only the 32-byte head with argsz = the size
/// needed and flags without CAPS.
/// </summary>
public readonly ref struct VfioUserRegionInfo
{
    /// <summary>Size of <c>vfio_region_info</c>.</summary>
    public const int HeadSize = 32;

    /// <summary>Size of a capability's header.</summary>
    public const int CapabilityHeaderSize = 8;

    /// <summary>Size of the sparse mmap capability before its areas.</summary>
    public const int SparseHeadSize = 16;

    /// <summary>Size of one sparse area.</summary>
    public const int SparseAreaSize = 16;

    /// <summary>Size of the type capability.</summary>
    public const int TypeCapabilitySize = 16;

    private readonly ReadOnlySpan<byte> _sparseAreas;

    private VfioUserRegionInfo(ReadOnlySpan<byte> payload, bool hasSparse, ReadOnlySpan<byte> sparseAreas, bool hasType, uint type, uint subtype)
    {
        Argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        Flags = (RegionFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        Index = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        CapOffset = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        Size = BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]);
        Offset = BinaryPrimitives.ReadUInt64LittleEndian(payload[24..]);
        PayloadLength = payload.Length;
        HasSparseMmap = hasSparse;
        _sparseAreas = sparseAreas;
        HasType = hasType;
        RegionType = type;
        RegionSubtype = subtype;
    }

    /// <summary>The size the full reply needs.</summary>
    public uint Argsz { get; }

    /// <summary>READ, WRITE, MMAP, CAPS.</summary>
    public RegionFlags Flags { get; }

    /// <summary>The region.</summary>
    public uint Index { get; }

    /// <summary>Offset of the first capability from the start of the region info; 0 for none.</summary>
    public uint CapOffset { get; }

    /// <summary>The region's size.</summary>
    public ulong Size { get; }

    /// <summary>Where the region starts in the fd sent with the reply.</summary>
    public ulong Offset { get; }

    /// <summary>Bytes the reply carried.</summary>
    public int PayloadLength { get; }

    /// <summary>The reply is only the head: ask again with argsz = <see cref="Argsz"/> for the capabilities (and the fd).</summary>
    public bool IsTruncated => Argsz > (uint)PayloadLength;

    /// <summary>The chain holds a sparse mmap capability.</summary>
    public bool HasSparseMmap { get; }

    /// <summary>Areas of the sparse mmap capability.</summary>
    public int SparseAreaCount => _sparseAreas.Length / SparseAreaSize;

    /// <summary>The chain holds a type capability.</summary>
    public bool HasType { get; }

    /// <summary>The type capability's type.</summary>
    public uint RegionType { get; }

    /// <summary>The type capability's subtype.</summary>
    public uint RegionSubtype { get; }

    /// <summary>The <paramref name="index"/>th sparse area.</summary>
    public SparseArea GetSparseArea(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SparseAreaCount);
        ReadOnlySpan<byte> area = _sparseAreas.Slice(index * SparseAreaSize, SparseAreaSize);
        return new SparseArea(BinaryPrimitives.ReadUInt64LittleEndian(area), BinaryPrimitives.ReadUInt64LittleEndian(area[8..]));
    }

    /// <summary>The reply as the device contract's record (allocates; for the client, not a hot path).</summary>
    public RegionInfo ToRegionInfo()
    {
        var areas = new SparseArea[SparseAreaCount];
        for (int i = 0; i < areas.Length; i++)
        {
            areas[i] = GetSparseArea(i);
        }

        RegionFlags flags = Flags & ~RegionFlags.Caps;
        if (HasSparseMmap && areas.Length == 0)
        {
            // A sparse mmap capability without areas means nothing may be mapped, as on a VFIO host.
            flags &= ~RegionFlags.Mmap;
        }

        return new RegionInfo((int)Index, flags, Size, Offset, areas, MsixMappable: false, HasType ? (RegionType, RegionSubtype) : null);
    }

    /// <summary>
    /// Reads a reply and follows its capability chain; EINVAL when the payload is shorter than 32
    /// bytes, argsz is below 32, the region's offset + size wraps, or the chain is malformed: a
    /// capability outside the payload or inside the head, more than
    /// <see cref="VfioUserLimits.MaxCapabilityChainLength"/> links (a loop), a sparse capability of
    /// another version, with more areas than the payload holds or the limit allows, or with an area
    /// outside the region, or a capability repeated. Unknown capability ids are skipped.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserRegionInfo info, out Errno error)
    {
        info = default;
        error = Errno.EINVAL;
        if (payload.Length < HeadSize)
        {
            return false;
        }

        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        var flags = (RegionFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        uint capOffset = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]);
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(payload[24..]);
        if (argsz < HeadSize || offset > ulong.MaxValue - size)
        {
            return false;
        }

        bool hasSparse = false, hasType = false;
        ReadOnlySpan<byte> areas = default;
        uint type = 0, subtype = 0;
        uint next = (flags & RegionFlags.Caps) != 0 ? capOffset : 0;
        for (int links = 0; next != 0; links++)
        {
            if (links == VfioUserLimits.MaxCapabilityChainLength || next < HeadSize || next > (uint)(payload.Length - CapabilityHeaderSize))
            {
                return false;
            }

            ReadOnlySpan<byte> cap = payload[(int)next..];
            var id = (VfioUserRegionCapabilityId)BinaryPrimitives.ReadUInt16LittleEndian(cap);
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(cap[2..]);
            next = BinaryPrimitives.ReadUInt32LittleEndian(cap[4..]);
            switch (id)
            {
                case VfioUserRegionCapabilityId.SparseMmap:
                    // Another version's layout is unknown, and mapping more than allowed is unsafe.
                    if (hasSparse || version != 1 || !TryReadSparseAreas(cap, size, out areas))
                    {
                        return false;
                    }

                    hasSparse = true;
                    break;

                case VfioUserRegionCapabilityId.Type:
                    if (hasType || cap.Length < TypeCapabilitySize)
                    {
                        return false;
                    }

                    hasType = true;
                    type = BinaryPrimitives.ReadUInt32LittleEndian(cap[8..]);
                    subtype = BinaryPrimitives.ReadUInt32LittleEndian(cap[12..]);
                    break;

                default:
                    // Capabilities added later are skipped, as their versioning allows.
                    break;
            }
        }

        info = new VfioUserRegionInfo(payload, hasSparse, areas, hasType, type, subtype);
        error = Errno.None;
        return true;
    }

    /// <summary>The size of the full reply describing <paramref name="region"/> (head and capabilities).</summary>
    public static int FullSize(RegionInfo region)
    {
        ArgumentNullException.ThrowIfNull(region);
        int size = HeadSize;
        if (DescribesSparse(region))
        {
            size += SparseHeadSize + (SparseAreaCountOf(region) * SparseAreaSize);
        }

        if (region.Type is not null)
        {
            size += TypeCapabilitySize;
        }

        return size;
    }

    /// <summary>
    /// The argsz rule: whether the full reply fits a request of <paramref name="requestArgsz"/>.
    /// Only a full reply carries the capabilities (and, for a mappable region, the fd).
    /// </summary>
    public static bool Fits(uint requestArgsz, RegionInfo region) => requestArgsz >= (uint)FullSize(region);

    /// <summary>The payload size of the reply to a request of <paramref name="requestArgsz"/>: the full reply, or the 32-byte head.</summary>
    public static int ReplySize(uint requestArgsz, RegionInfo region) => Fits(requestArgsz, region) ? FullSize(region) : HeadSize;

    /// <summary>
    /// Writes the reply describing <paramref name="region"/> to a request of <paramref name="requestArgsz"/>;
    /// returns its size. A mappable region is described by a sparse mmap capability (the whole
    /// region as one area when it has none); a region with a type gets the type capability. When the
    /// full reply does not fit, only the head is written, with argsz = the size needed and CAPS clear.
    /// </summary>
    public static int Write(Span<byte> destination, uint requestArgsz, RegionInfo region)
    {
        int full = FullSize(region);
        bool fits = requestArgsz >= (uint)full;
        int written = fits ? full : HeadSize;
        VfioUserWire.EnsureRoom(destination, written);
        bool sparse = DescribesSparse(region);
        bool hasCaps = fits && (sparse || region.Type is not null);
        RegionFlags flags = hasCaps ? region.Flags | RegionFlags.Caps : region.Flags & ~RegionFlags.Caps;

        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)full);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)region.Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], hasCaps ? HeadSize : 0u);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], region.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], region.Offset);
        if (!hasCaps)
        {
            return written;
        }

        int at = HeadSize;
        if (sparse)
        {
            int count = SparseAreaCountOf(region);
            int end = at + SparseHeadSize + (count * SparseAreaSize);
            WriteCapabilityHeader(destination[at..], VfioUserRegionCapabilityId.SparseMmap, region.Type is null ? 0 : end);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(at + 8)..], (uint)count);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(at + 12)..], 0);
            Span<byte> areas = destination[(at + SparseHeadSize)..];
            for (int i = 0; i < count; i++)
            {
                SparseArea area = region.SparseAreas.Count == 0 ? new SparseArea(0, region.Size) : region.SparseAreas[i];
                BinaryPrimitives.WriteUInt64LittleEndian(areas[(i * SparseAreaSize)..], area.Offset);
                BinaryPrimitives.WriteUInt64LittleEndian(areas[((i * SparseAreaSize) + 8)..], area.Size);
            }

            at = end;
        }

        if (region.Type is (uint type, uint subtype))
        {
            WriteCapabilityHeader(destination[at..], VfioUserRegionCapabilityId.Type, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(at + 8)..], type);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(at + 12)..], subtype);
        }

        return written;
    }

    private static bool TryReadSparseAreas(ReadOnlySpan<byte> cap, ulong regionSize, out ReadOnlySpan<byte> areas)
    {
        areas = default;
        if (cap.Length < SparseHeadSize)
        {
            return false;
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(cap[8..]);
        if (count > VfioUserLimits.MaxSparseAreas || count > (uint)((cap.Length - SparseHeadSize) / SparseAreaSize))
        {
            return false;
        }

        ReadOnlySpan<byte> pairs = cap.Slice(SparseHeadSize, (int)count * SparseAreaSize);
        for (int i = 0; i < pairs.Length; i += SparseAreaSize)
        {
            ulong areaOffset = BinaryPrimitives.ReadUInt64LittleEndian(pairs[i..]);
            ulong areaSize = BinaryPrimitives.ReadUInt64LittleEndian(pairs[(i + 8)..]);
            if (areaSize > regionSize || areaOffset > regionSize - areaSize)
            {
                return false;
            }
        }

        areas = pairs;
        return true;
    }

    private static bool DescribesSparse(RegionInfo region) => (region.Flags & RegionFlags.Mmap) != 0;

    private static int SparseAreaCountOf(RegionInfo region)
    {
        int count = region.SparseAreas.Count == 0 ? 1 : region.SparseAreas.Count;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, VfioUserLimits.MaxSparseAreas, nameof(region));
        return count;
    }

    private static void WriteCapabilityHeader(Span<byte> destination, VfioUserRegionCapabilityId id, int next)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)id);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)next);
    }
}
