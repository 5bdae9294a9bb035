using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_device_info</c> (24 bytes with the trailing pad newer headers carry; 6.1 has 20).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioDeviceInfo
{
    /// <summary>Size passed in (24).</summary>
    public uint Argsz;

    /// <summary>RESET 1, PCI 2, CAPS 0x80.</summary>
    public uint Flags;

    /// <summary>Number of regions.</summary>
    public uint NumRegions;

    /// <summary>Number of IRQ indexes.</summary>
    public uint NumIrqs;

    /// <summary>Offset of the first capability, 0 if none.</summary>
    public uint CapOffset;

    /// <summary>Padding.</summary>
    public uint Pad;
}
