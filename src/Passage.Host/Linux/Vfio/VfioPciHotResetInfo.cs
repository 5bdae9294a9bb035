using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_pci_hot_reset_info</c> header (12 bytes), followed by <see cref="Count"/> dependent devices.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioPciHotResetInfo
{
    /// <summary>Buffer size; 12 + 8 per device.</summary>
    public uint Argsz;

    /// <summary>DEV_ID 1, DEV_ID_OWNED 2.</summary>
    public uint Flags;

    /// <summary>Number of devices (set even when the buffer is too small).</summary>
    public uint Count;
}
