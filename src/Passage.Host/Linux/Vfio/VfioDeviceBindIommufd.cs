using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_device_bind_iommufd</c> (24 bytes with the token pointer of newer kernels; 16 without).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioDeviceBindIommufd
{
    /// <summary>Size passed in.</summary>
    public uint Argsz;

    /// <summary>TOKEN 1.</summary>
    public uint Flags;

    /// <summary>The iommufd.</summary>
    public int Iommufd;

    /// <summary>Device ID assigned by the kernel.</summary>
    public uint OutDevid;

    /// <summary>Pointer to the VF token UUID when TOKEN is set.</summary>
    public ulong TokenUuidPtr;
}
