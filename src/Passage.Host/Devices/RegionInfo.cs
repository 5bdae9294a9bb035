namespace Passage.Host.Devices;

/// <summary><c>VFIO_REGION_INFO_FLAG_*</c>.</summary>
[Flags]
public enum RegionFlags : uint
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Readable.</summary>
    Read = 1,

    /// <summary>Writable.</summary>
    Write = 2,

    /// <summary>Mappable (only the sparse areas when there are any).</summary>
    Mmap = 4,

    /// <summary>Info carries capabilities.</summary>
    Caps = 8,
}

/// <summary>One mappable part of a region.</summary>
/// <param name="Offset">Offset within the region.</param>
/// <param name="Size">Length in bytes.</param>
public readonly record struct SparseArea(ulong Offset, ulong Size);

/// <summary>Region information (<c>VFIO_DEVICE_GET_REGION_INFO</c>, with its capabilities decoded).</summary>
/// <param name="Index">Region index.</param>
/// <param name="Flags">Access flags.</param>
/// <param name="Size">Size in bytes (0 = unimplemented).</param>
/// <param name="Offset">Backend offset (the device fd's file offset for a kernel device).</param>
/// <param name="SparseAreas">The only areas that may be mapped; empty with <see cref="RegionFlags.Mmap"/> means the whole region.</param>
/// <param name="MsixMappable">The MSI-X table's page may be mapped too (<c>MSIX_MAPPABLE</c>).</param>
/// <param name="Type">Device-specific region type and subtype (regions 9+), if any.</param>
public sealed record RegionInfo(int Index, RegionFlags Flags, ulong Size, ulong Offset, IReadOnlyList<SparseArea> SparseAreas, bool MsixMappable, (uint Type, uint Subtype)? Type = null);
