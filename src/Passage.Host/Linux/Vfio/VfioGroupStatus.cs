using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_group_status</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioGroupStatus
{
    /// <summary>Size of the structure.</summary>
    public uint Argsz;

    /// <summary>VIABLE 1, CONTAINER_SET 2.</summary>
    public uint Flags;
}
