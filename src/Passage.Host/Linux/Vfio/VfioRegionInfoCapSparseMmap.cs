using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_region_info_cap_sparse_mmap</c> header (16 bytes), followed by <see cref="NrAreas"/> <see cref="VfioRegionSparseMmapArea"/>s.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioRegionInfoCapSparseMmap
{
    /// <summary>Chain link (ID 1, version 1).</summary>
    public VfioInfoCapHeader Header;

    /// <summary>Number of areas.</summary>
    public uint NrAreas;

    /// <summary>Reserved.</summary>
    public uint Reserved;
}
