using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_region_info_cap_type</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioRegionInfoCapType
{
    /// <summary>Chain link (ID 2, version 1).</summary>
    public VfioInfoCapHeader Header;

    /// <summary>Region type.</summary>
    public uint Type;

    /// <summary>Region subtype.</summary>
    public uint Subtype;
}
