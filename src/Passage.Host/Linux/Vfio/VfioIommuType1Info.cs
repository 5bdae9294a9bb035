using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_iommu_type1_info</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioIommuType1Info
{
    /// <summary>Size passed in.</summary>
    public uint Argsz;

    /// <summary>PGSIZES 1, CAPS 2.</summary>
    public uint Flags;

    /// <summary>Bitmap of supported page sizes.</summary>
    public ulong IovaPgsizes;

    /// <summary>Offset of the first capability, 0 if none.</summary>
    public uint CapOffset;

    /// <summary>Padding.</summary>
    public uint Pad;
}
