using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_device_feature</c> header (8 bytes); feature data starts at offset 8.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioDeviceFeature
{
    /// <summary>Header plus data size.</summary>
    public uint Argsz;

    /// <summary>Feature number in bits 15:0; GET, SET, PROBE above.</summary>
    public uint Flags;
}
