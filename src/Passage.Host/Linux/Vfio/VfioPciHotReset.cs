using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_pci_hot_reset</c> header (12 bytes), followed by <see cref="Count"/> int32 group fds.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioPciHotReset
{
    /// <summary>Buffer size; 12 + 4 per fd.</summary>
    public uint Argsz;

    /// <summary>Must be 0.</summary>
    public uint Flags;

    /// <summary>Number of group fds.</summary>
    public uint Count;
}
