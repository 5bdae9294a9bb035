using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_region_info</c> (32 bytes), followed by its capability chain.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioRegionInfo
{
    /// <summary>Size of the buffer; the kernel raises it when the chain does not fit.</summary>
    public uint Argsz;

    /// <summary>READ 1, WRITE 2, MMAP 4, CAPS 8.</summary>
    public uint Flags;

    /// <summary>Region index.</summary>
    public uint Index;

    /// <summary>Offset of the first capability, 0 if none.</summary>
    public uint CapOffset;

    /// <summary>Region size.</summary>
    public ulong Size;

    /// <summary>Region offset within the device fd.</summary>
    public ulong Offset;
}
