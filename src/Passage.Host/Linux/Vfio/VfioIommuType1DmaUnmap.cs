using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_iommu_type1_dma_unmap</c> header (24 bytes); the kernel writes the unmapped size back.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioIommuType1DmaUnmap
{
    /// <summary>Size passed in.</summary>
    public uint Argsz;

    /// <summary>GET_DIRTY_BITMAP 1, ALL 2, VADDR 4.</summary>
    public uint Flags;

    /// <summary>Device address.</summary>
    public ulong Iova;

    /// <summary>Length in bytes; on return the length unmapped.</summary>
    public ulong Size;
}
