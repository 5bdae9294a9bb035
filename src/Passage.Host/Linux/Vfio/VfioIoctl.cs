namespace Passage.Host.Linux.Vfio;

/// <summary>
/// VFIO ioctl request numbers (host-device.md §8.1): <c>_IO(';', 100 + n)</c> = <c>0x3B00 | nr</c>,
/// with no size or direction bits. Several numbers mean one thing on a device fd and another on a container fd.
/// </summary>
public static class VfioIoctl
{
    /// <summary>The ioctl type character <c>';'</c> in bits 15:8.</summary>
    public const uint Type = 0x3B00;

    /// <summary>Container: API version (0).</summary>
    public const uint GetApiVersion = Type | 100;

    /// <summary>Container: whether an extension is supported; the argument is the value.</summary>
    public const uint CheckExtension = Type | 101;

    /// <summary>Container: select the IOMMU model; the argument is the value.</summary>
    public const uint SetIommu = Type | 102;

    /// <summary>Group: <c>vfio_group_status</c>.</summary>
    public const uint GroupGetStatus = Type | 103;

    /// <summary>Group: attach to a container (pointer to an int32 fd).</summary>
    public const uint GroupSetContainer = Type | 104;

    /// <summary>Group: detach from its container.</summary>
    public const uint GroupUnsetContainer = Type | 105;

    /// <summary>Group: open a device by its NUL-terminated name; returns the fd.</summary>
    public const uint GroupGetDeviceFd = Type | 106;

    /// <summary>Device: <c>vfio_device_info</c>.</summary>
    public const uint DeviceGetInfo = Type | 107;

    /// <summary>Device: <c>vfio_region_info</c> with its capability chain.</summary>
    public const uint DeviceGetRegionInfo = Type | 108;

    /// <summary>Device: <c>vfio_irq_info</c>.</summary>
    public const uint DeviceGetIrqInfo = Type | 109;

    /// <summary>Device: <c>vfio_irq_set</c> and payload.</summary>
    public const uint DeviceSetIrqs = Type | 110;

    /// <summary>Device: function reset (no argument).</summary>
    public const uint DeviceReset = Type | 111;

    /// <summary>Device: <c>vfio_pci_hot_reset_info</c>.</summary>
    public const uint DeviceGetPciHotResetInfo = Type | 112;

    /// <summary>Container (type1): <c>vfio_iommu_type1_info</c>; same number as <see cref="DeviceGetPciHotResetInfo"/>.</summary>
    public const uint IommuGetInfo = Type | 112;

    /// <summary>Device: <c>vfio_pci_hot_reset</c> with the ownership proof.</summary>
    public const uint DevicePciHotReset = Type | 113;

    /// <summary>Container (type1): <c>vfio_iommu_type1_dma_map</c>.</summary>
    public const uint IommuMapDma = Type | 113;

    /// <summary>Device: query a graphics plane (mediated devices).</summary>
    public const uint DeviceQueryGfxPlane = Type | 114;

    /// <summary>Container (type1): <c>vfio_iommu_type1_dma_unmap</c>.</summary>
    public const uint IommuUnmapDma = Type | 114;

    /// <summary>Device: get a graphics dma-buf (mediated devices).</summary>
    public const uint DeviceGetGfxDmabuf = Type | 115;

    /// <summary>Container (sPAPR): enable the IOMMU.</summary>
    public const uint IommuEnable = Type | 115;

    /// <summary>Device: <c>vfio_device_ioeventfd</c>.</summary>
    public const uint DeviceIoeventfd = Type | 116;

    /// <summary>Container (sPAPR): disable the IOMMU.</summary>
    public const uint IommuDisable = Type | 116;

    /// <summary>Device: <c>vfio_device_feature</c>.</summary>
    public const uint DeviceFeature = Type | 117;

    /// <summary>Container (type1): dirty page tracking.</summary>
    public const uint IommuDirtyPages = Type | 117;

    /// <summary>Device cdev: <c>vfio_device_bind_iommufd</c>.</summary>
    public const uint DeviceBindIommufd = Type | 118;

    /// <summary>Device cdev: <c>vfio_device_attach_iommufd_pt</c>.</summary>
    public const uint DeviceAttachIommufdPt = Type | 119;

    /// <summary>Device cdev: <c>vfio_device_detach_iommufd_pt</c>.</summary>
    public const uint DeviceDetachIommufdPt = Type | 120;

    /// <summary>Migration data fd: pre-copy sizes.</summary>
    public const uint MigGetPrecopyInfo = Type | 121;

    /// <summary>Container (sPAPR): EEH PE operation; same number as <see cref="MigGetPrecopyInfo"/>.</summary>
    public const uint EehPeOp = Type | 121;
}
