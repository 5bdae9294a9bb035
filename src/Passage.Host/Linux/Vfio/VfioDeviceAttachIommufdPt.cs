using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_device_attach_iommufd_pt</c> (16 bytes with the pasid of newer kernels; 12 without).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioDeviceAttachIommufdPt
{
    /// <summary>Size passed in.</summary>
    public uint Argsz;

    /// <summary>ATTACH_PASID 1.</summary>
    public uint Flags;

    /// <summary>IOAS or HWPT ID; the kernel writes back the attached one.</summary>
    public uint PtId;

    /// <summary>PASID when ATTACH_PASID is set.</summary>
    public uint Pasid;
}
