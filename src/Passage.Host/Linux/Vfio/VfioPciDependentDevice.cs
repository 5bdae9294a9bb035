using System.Runtime.InteropServices;

namespace Passage.Host.Linux.Vfio;

/// <summary><c>vfio_pci_dependent_device</c> (8 bytes): one device a hot reset affects.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct VfioPciDependentDevice
{
    /// <summary>IOMMU group (legacy) or device ID (cdev).</summary>
    public uint GroupIdOrDevId;

    /// <summary>PCI segment.</summary>
    public ushort Segment;

    /// <summary>Bus number.</summary>
    public byte Bus;

    /// <summary>Device and function.</summary>
    public byte DevFn;
}
