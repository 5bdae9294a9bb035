using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_iommu_type1_dma_map</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioIommuType1DmaMap
{
    /// <summary>Size of the structure.</summary>
    public uint Argsz;

    /// <summary>READ 1, WRITE 2, VADDR 4.</summary>
    public uint Flags;

    /// <summary>Process virtual address.</summary>
    public ulong Vaddr;

    /// <summary>Device address.</summary>
    public ulong Iova;

    /// <summary>Length in bytes.</summary>
    public ulong Size;
}
