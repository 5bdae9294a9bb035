using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Passage.Host.Devices;

namespace Passage.Host.Linux.Vfio;

/// <summary>
/// Decodes the capability chain behind a <c>vfio_region_info</c> (host-device.md §3, §8.2). The
/// buffer may come from another process (vfio-user) and is treated as hostile: every offset and
/// count is bounded by the buffer, and a chain that loops is refused.
/// </summary>
public static class VfioCapabilityChain
{
    /// <summary>Size of <c>vfio_info_cap_header</c>.</summary>
    public const int HeaderSize = 8;

    private const int SparseAreasOffset = 16;
    private const int SparseAreaSize = 16;
    private const int TypeCapSize = 16;

    private static readonly int RegionInfoSize = Marshal.SizeOf<VfioRegionInfo>();

    /// <summary>
    /// Decodes the capabilities of a whole region-info buffer (<c>vfio_region_info</c> at offset 0,
    /// capabilities after it); <paramref name="error"/> says what is wrong when it returns false.
    /// </summary>
    public static bool TryParseRegionInfo(ReadOnlySpan<byte> buffer, out VfioRegionCapabilities capabilities, out string? error)
    {
        capabilities = VfioRegionCapabilities.None;
        if (buffer.Length < RegionInfoSize)
        {
            error = $"region info is {buffer.Length} bytes, shorter than the {RegionInfoSize}-byte header";
            return false;
        }

        VfioRegionInfo info = MemoryMarshal.Read<VfioRegionInfo>(buffer);
        if ((info.Flags & VfioConstants.RegionInfoFlagCaps) == 0 || info.CapOffset == 0)
        {
            error = null;
            return true;
        }

        return TryParseRegionCapabilities(buffer, info.CapOffset, info.Size, out capabilities, out error);
    }

    /// <summary>
    /// Walks the chain starting at <paramref name="first"/> (an offset from the start of
    /// <paramref name="buffer"/>); sparse areas must lie inside a region of <paramref name="regionSize"/> bytes.
    /// Unknown capability IDs are skipped.
    /// </summary>
    public static bool TryParseRegionCapabilities(ReadOnlySpan<byte> buffer, uint first, ulong regionSize, out VfioRegionCapabilities capabilities, out string? error)
    {
        capabilities = VfioRegionCapabilities.None;
        List<SparseArea>? sparse = null;
        bool msixMappable = false;
        (uint, uint)? type = null;

        // Every capability occupies at least a header, so a chain longer than this revisits one.
        int maxSteps = buffer.Length / HeaderSize;
        int steps = 0;
        for (uint offset = first; offset != 0;)
        {
            if (++steps > maxSteps)
            {
                error = $"capability chain loops (more than {maxSteps} links in {buffer.Length} bytes)";
                return false;
            }

            if (buffer.Length < HeaderSize || offset < HeaderSize || offset > (uint)(buffer.Length - HeaderSize))
            {
                error = $"capability at offset {offset} lies outside the {buffer.Length}-byte buffer";
                return false;
            }

            ReadOnlySpan<byte> cap = buffer[(int)offset..];
            VfioInfoCapHeader header = MemoryMarshal.Read<VfioInfoCapHeader>(cap);
            switch (header.Id)
            {
                case VfioConstants.RegionInfoCapSparseMmap:
                    if (sparse is not null)
                    {
                        error = "region info carries two sparse mmap capabilities";
                        return false;
                    }

                    if (!TryParseSparse(cap, header, offset, regionSize, out sparse, out error))
                    {
                        return false;
                    }

                    break;

                case VfioConstants.RegionInfoCapType:
                    if (cap.Length < TypeCapSize)
                    {
                        error = $"region type capability at offset {offset} is truncated";
                        return false;
                    }

                    VfioRegionInfoCapType typeCap = MemoryMarshal.Read<VfioRegionInfoCapType>(cap);
                    type = (typeCap.Type, typeCap.Subtype);
                    break;

                case VfioConstants.RegionInfoCapMsixMappable:
                    msixMappable = true;
                    break;

                default:
                    // Newer kernels may add capabilities; skipping them is what their versioning allows.
                    break;
            }

            offset = header.Next;
        }

        capabilities = new VfioRegionCapabilities(sparse, msixMappable, type);
        error = null;
        return true;
    }

    private static bool TryParseSparse(ReadOnlySpan<byte> cap, VfioInfoCapHeader header, uint offset, ulong regionSize, out List<SparseArea>? areas, out string? error)
    {
        areas = null;
        if (header.Version != 1)
        {
            // The layout of another version is unknown, and mapping more than allowed is unsafe.
            error = $"sparse mmap capability at offset {offset} has unsupported version {header.Version}";
            return false;
        }

        if (cap.Length < SparseAreasOffset)
        {
            error = $"sparse mmap capability at offset {offset} is truncated";
            return false;
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(cap[8..]);
        int room = (cap.Length - SparseAreasOffset) / SparseAreaSize;
        if (count > room)
        {
            error = $"sparse mmap capability at offset {offset} claims {count} areas but the buffer holds at most {room}";
            return false;
        }

        areas = new List<SparseArea>((int)count);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> area = cap.Slice(SparseAreasOffset + (i * SparseAreaSize), SparseAreaSize);
            ulong areaOffset = BinaryPrimitives.ReadUInt64LittleEndian(area);
            ulong areaSize = BinaryPrimitives.ReadUInt64LittleEndian(area[8..]);
            if (areaSize > regionSize || areaOffset > regionSize - areaSize)
            {
                error = $"sparse area {i} (offset 0x{areaOffset:x}, size 0x{areaSize:x}) lies outside the 0x{regionSize:x}-byte region";
                areas = null;
                return false;
            }

            areas.Add(new SparseArea(areaOffset, areaSize));
        }

        error = null;
        return true;
    }
}
