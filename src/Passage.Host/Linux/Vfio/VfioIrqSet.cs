using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_irq_set</c> header (20 bytes); the payload starts at offset 20.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioIrqSet
{
    /// <summary>Header plus payload size.</summary>
    public uint Argsz;

    /// <summary>One DATA and one ACTION bit.</summary>
    public uint Flags;

    /// <summary>IRQ index.</summary>
    public uint Index;

    /// <summary>First IRQ.</summary>
    public uint Start;

    /// <summary>Number of IRQs.</summary>
    public uint Count;
}
