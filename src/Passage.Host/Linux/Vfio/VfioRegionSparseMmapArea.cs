using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_region_sparse_mmap_area</c> (16 bytes): one mappable area.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioRegionSparseMmapArea
{
    /// <summary>Offset within the region.</summary>
    public ulong Offset;

    /// <summary>Length in bytes.</summary>
    public ulong Size;
}
