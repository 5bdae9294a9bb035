using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_irq_info</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioIrqInfo
{
    /// <summary>Size of the structure.</summary>
    public uint Argsz;

    /// <summary>EVENTFD 1, MASKABLE 2, AUTOMASKED 4, NORESIZE 8.</summary>
    public uint Flags;

    /// <summary>IRQ index.</summary>
    public uint Index;

    /// <summary>Number of IRQs.</summary>
    public uint Count;
}
