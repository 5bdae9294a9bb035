namespace Passage.Host.Linux.Vfio;

/// <summary>VFIO UAPI constants (host-device.md §8.3).</summary>
public static class VfioConstants
{
    /// <summary>The only API version there is.</summary>
    public const int ApiVersion = 0;

    /// <summary>Extension: type1 IOMMU.</summary>
    public const int Type1Iommu = 1;

    /// <summary>Extension: sPAPR TCE IOMMU.</summary>
    public const int SpaprTceIommu = 2;

    /// <summary>Extension: type1 v2 IOMMU (what Passage selects).</summary>
    public const int Type1v2Iommu = 3;

    /// <summary>Extension: the IOMMU enforces DMA cache coherence.</summary>
    public const int DmaCcIommu = 4;

    /// <summary>Extension: sPAPR EEH.</summary>
    public const int Eeh = 5;

    /// <summary>Extension: no-IOMMU mode.</summary>
    public const int NoIommu = 8;

    /// <summary>Extension: unmap all.</summary>
    public const int UnmapAll = 9;

    /// <summary>Extension: update the vaddr of a mapping.</summary>
    public const int UpdateVaddr = 10;

    /// <summary>Group status: every device in the group is bound to a VFIO driver or none.</summary>
    public const uint GroupFlagsViable = 1;

    /// <summary>Group status: the group is attached to a container.</summary>
    public const uint GroupFlagsContainerSet = 2;

    /// <summary>Device flag: <c>DEVICE_RESET</c> is supported.</summary>
    public const uint DeviceFlagsReset = 1;

    /// <summary>Device flag: a PCI device.</summary>
    public const uint DeviceFlagsPci = 2;

    /// <summary>Device flag: info carries a capability chain.</summary>
    public const uint DeviceFlagsCaps = 0x80;

    /// <summary>Region flag: readable.</summary>
    public const uint RegionInfoFlagRead = 1;

    /// <summary>Region flag: writable.</summary>
    public const uint RegionInfoFlagWrite = 2;

    /// <summary>Region flag: mappable.</summary>
    public const uint RegionInfoFlagMmap = 4;

    /// <summary>Region flag: info carries capabilities.</summary>
    public const uint RegionInfoFlagCaps = 8;

    /// <summary>Region capability: sparse mmap areas.</summary>
    public const ushort RegionInfoCapSparseMmap = 1;

    /// <summary>Region capability: device-specific type and subtype.</summary>
    public const ushort RegionInfoCapType = 2;

    /// <summary>Region capability: the MSI-X table may be mapped.</summary>
    public const ushort RegionInfoCapMsixMappable = 3;

    /// <summary>IRQ info: signals through eventfds.</summary>
    public const uint IrqInfoEventfd = 1;

    /// <summary>IRQ info: supports MASK/UNMASK.</summary>
    public const uint IrqInfoMaskable = 2;

    /// <summary>IRQ info: masks itself on every interrupt.</summary>
    public const uint IrqInfoAutomasked = 4;

    /// <summary>IRQ info: cannot grow while enabled.</summary>
    public const uint IrqInfoNoResize = 8;

    /// <summary>IRQ set: no payload.</summary>
    public const uint IrqSetDataNone = 1;

    /// <summary>IRQ set: one byte per IRQ.</summary>
    public const uint IrqSetDataBool = 2;

    /// <summary>IRQ set: one int32 eventfd per IRQ.</summary>
    public const uint IrqSetDataEventfd = 4;

    /// <summary>IRQ set: mask.</summary>
    public const uint IrqSetActionMask = 8;

    /// <summary>IRQ set: unmask.</summary>
    public const uint IrqSetActionUnmask = 0x10;

    /// <summary>IRQ set: trigger.</summary>
    public const uint IrqSetActionTrigger = 0x20;

    /// <summary>Hot reset info: records carry device IDs.</summary>
    public const uint PciHotResetFlagDevId = 1;

    /// <summary>Hot reset info: every affected device is owned.</summary>
    public const uint PciHotResetFlagDevIdOwned = 2;

    /// <summary>Dependent device ID: in the same group as an owned device.</summary>
    public const uint PciDevIdOwned = 0;

    /// <summary>Dependent device ID: not owned by the caller.</summary>
    public const uint PciDevIdNotOwned = 0xFFFF_FFFF;

    /// <summary>Device feature: PCI VF token (SET only).</summary>
    public const uint DeviceFeaturePciVfToken = 0;

    /// <summary>Device feature: migration.</summary>
    public const uint DeviceFeatureMigration = 1;

    /// <summary>Device feature: migration device state.</summary>
    public const uint DeviceFeatureMigDeviceState = 2;

    /// <summary>Device feature: low-power entry.</summary>
    public const uint DeviceFeatureLowPowerEntry = 3;

    /// <summary>Device feature: low-power entry with a wakeup eventfd.</summary>
    public const uint DeviceFeatureLowPowerEntryWithWakeup = 4;

    /// <summary>Device feature: low-power exit.</summary>
    public const uint DeviceFeatureLowPowerExit = 5;

    /// <summary>Device feature: start DMA logging.</summary>
    public const uint DeviceFeatureDmaLoggingStart = 6;

    /// <summary>Device feature: stop DMA logging.</summary>
    public const uint DeviceFeatureDmaLoggingStop = 7;

    /// <summary>Device feature: report DMA logging.</summary>
    public const uint DeviceFeatureDmaLoggingReport = 8;

    /// <summary>Device feature: migration data size.</summary>
    public const uint DeviceFeatureMigDataSize = 9;

    /// <summary>Device feature: bus master (CDX only).</summary>
    public const uint DeviceFeatureBusMaster = 10;

    /// <summary>Device feature: dma-buf export.</summary>
    public const uint DeviceFeatureDmaBuf = 11;

    /// <summary>Device feature flags: the feature number in bits 15:0.</summary>
    public const uint DeviceFeatureMask = 0xFFFF;

    /// <summary>Device feature flags: get.</summary>
    public const uint DeviceFeatureGet = 1u << 16;

    /// <summary>Device feature flags: set.</summary>
    public const uint DeviceFeatureSet = 1u << 17;

    /// <summary>Device feature flags: probe.</summary>
    public const uint DeviceFeatureProbe = 1u << 18;

    /// <summary>Bind iommufd flag: a VF token pointer follows.</summary>
    public const uint DeviceBindFlagToken = 1;

    /// <summary>Attach iommufd page table flag: the pasid field is valid.</summary>
    public const uint DeviceAttachPasid = 1;

    /// <summary>Type1 info: <c>iova_pgsizes</c> is valid.</summary>
    public const uint IommuInfoPgsizes = 1;

    /// <summary>Type1 info: a capability chain follows.</summary>
    public const uint IommuInfoCaps = 2;

    /// <summary>Type1 info capability: usable IOVA ranges.</summary>
    public const ushort IommuTypeInfoCapIovaRange = 1;

    /// <summary>Type1 info capability: migration.</summary>
    public const ushort IommuTypeInfoCapMigration = 2;

    /// <summary>Type1 info capability: available DMA mappings.</summary>
    public const ushort IommuTypeInfoCapDmaAvail = 3;

    /// <summary>DMA map flag: device may read.</summary>
    public const uint DmaMapFlagRead = 1;

    /// <summary>DMA map flag: device may write.</summary>
    public const uint DmaMapFlagWrite = 2;

    /// <summary>DMA map flag: update the vaddr of an existing mapping.</summary>
    public const uint DmaMapFlagVaddr = 4;

    /// <summary>DMA unmap flag: report the dirty bitmap.</summary>
    public const uint DmaUnmapFlagGetDirtyBitmap = 1;

    /// <summary>DMA unmap flag: unmap everything.</summary>
    public const uint DmaUnmapFlagAll = 2;

    /// <summary>DMA unmap flag: invalidate the vaddr only.</summary>
    public const uint DmaUnmapFlagVaddr = 4;

    /// <summary>Device-info capability (newer kernels): PCI AtomicOps completer support.</summary>
    public const ushort DeviceInfoCapPciAtomicComp = 5;
}
