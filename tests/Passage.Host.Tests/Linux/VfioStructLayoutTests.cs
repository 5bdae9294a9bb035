using System.Runtime.InteropServices;
using Passage.Host.Linux.Vfio;

namespace Passage.Host.Tests.Linux;

public sealed class VfioStructLayoutTests
{
    // Sizes are ABI: frozen against host-device.md §8.2 (x86-64).
    [Theory]
    [InlineData(typeof(VfioInfoCapHeader), 8)] // vfio_info_cap_header
    [InlineData(typeof(VfioGroupStatus), 8)] // vfio_group_status
    [InlineData(typeof(VfioDeviceInfo), 24)] // vfio_device_info with the newer pad
    [InlineData(typeof(VfioRegionInfo), 32)] // vfio_region_info
    [InlineData(typeof(VfioRegionInfoCapSparseMmap), 16)] // sparse mmap cap header
    [InlineData(typeof(VfioRegionSparseMmapArea), 16)] // one sparse area
    [InlineData(typeof(VfioRegionInfoCapType), 16)] // region type cap
    [InlineData(typeof(VfioIrqInfo), 16)] // vfio_irq_info
    [InlineData(typeof(VfioIrqSet), 20)] // vfio_irq_set header; data at 20
    [InlineData(typeof(VfioPciDependentDevice), 8)] // vfio_pci_dependent_device
    [InlineData(typeof(VfioPciHotResetInfo), 12)] // hot reset info header
    [InlineData(typeof(VfioPciHotReset), 12)] // hot reset header
    [InlineData(typeof(VfioDeviceIoeventfd), 32)] // vfio_device_ioeventfd
    [InlineData(typeof(VfioDeviceFeature), 8)] // vfio_device_feature header
    [InlineData(typeof(VfioDeviceBindIommufd), 24)] // with token_uuid_ptr
    [InlineData(typeof(VfioDeviceAttachIommufdPt), 16)] // with pasid
    [InlineData(typeof(VfioIommuType1Info), 24)] // vfio_iommu_type1_info
    [InlineData(typeof(VfioIommuType1DmaMap), 32)] // vfio_iommu_type1_dma_map
    [InlineData(typeof(VfioIommuType1DmaUnmap), 24)] // vfio_iommu_type1_dma_unmap header
    public void Size_MatchesTheKernelStruct(Type type, int expected) => Assert.Equal(expected, Marshal.SizeOf(type));

    // Field offsets, frozen against host-device.md §8.2.
    [Theory]
    [InlineData(typeof(VfioInfoCapHeader), nameof(VfioInfoCapHeader.Version), 2)] // u16 version
    [InlineData(typeof(VfioInfoCapHeader), nameof(VfioInfoCapHeader.Next), 4)] // u32 next
    [InlineData(typeof(VfioGroupStatus), nameof(VfioGroupStatus.Flags), 4)] // flags
    [InlineData(typeof(VfioDeviceInfo), nameof(VfioDeviceInfo.NumRegions), 8)] // num_regions
    [InlineData(typeof(VfioDeviceInfo), nameof(VfioDeviceInfo.NumIrqs), 12)] // num_irqs
    [InlineData(typeof(VfioDeviceInfo), nameof(VfioDeviceInfo.CapOffset), 16)] // cap_offset
    [InlineData(typeof(VfioDeviceInfo), nameof(VfioDeviceInfo.Pad), 20)] // pad
    [InlineData(typeof(VfioRegionInfo), nameof(VfioRegionInfo.Index), 8)] // index
    [InlineData(typeof(VfioRegionInfo), nameof(VfioRegionInfo.CapOffset), 12)] // cap_offset
    [InlineData(typeof(VfioRegionInfo), nameof(VfioRegionInfo.Size), 16)] // u64 size
    [InlineData(typeof(VfioRegionInfo), nameof(VfioRegionInfo.Offset), 24)] // u64 offset
    [InlineData(typeof(VfioRegionInfoCapSparseMmap), nameof(VfioRegionInfoCapSparseMmap.NrAreas), 8)] // nr_areas
    [InlineData(typeof(VfioRegionInfoCapSparseMmap), nameof(VfioRegionInfoCapSparseMmap.Reserved), 12)] // reserved; areas at 16
    [InlineData(typeof(VfioRegionSparseMmapArea), nameof(VfioRegionSparseMmapArea.Size), 8)] // area size
    [InlineData(typeof(VfioRegionInfoCapType), nameof(VfioRegionInfoCapType.Type), 8)] // type
    [InlineData(typeof(VfioRegionInfoCapType), nameof(VfioRegionInfoCapType.Subtype), 12)] // subtype
    [InlineData(typeof(VfioIrqInfo), nameof(VfioIrqInfo.Index), 8)] // index
    [InlineData(typeof(VfioIrqInfo), nameof(VfioIrqInfo.Count), 12)] // count
    [InlineData(typeof(VfioIrqSet), nameof(VfioIrqSet.Index), 8)] // index
    [InlineData(typeof(VfioIrqSet), nameof(VfioIrqSet.Start), 12)] // start
    [InlineData(typeof(VfioIrqSet), nameof(VfioIrqSet.Count), 16)] // count; data at 20
    [InlineData(typeof(VfioPciDependentDevice), nameof(VfioPciDependentDevice.Segment), 4)] // u16 segment
    [InlineData(typeof(VfioPciDependentDevice), nameof(VfioPciDependentDevice.Bus), 6)] // u8 bus
    [InlineData(typeof(VfioPciDependentDevice), nameof(VfioPciDependentDevice.DevFn), 7)] // u8 devfn
    [InlineData(typeof(VfioPciHotResetInfo), nameof(VfioPciHotResetInfo.Count), 8)] // count; devices at 12
    [InlineData(typeof(VfioPciHotReset), nameof(VfioPciHotReset.Count), 8)] // count; group fds at 12
    [InlineData(typeof(VfioDeviceIoeventfd), nameof(VfioDeviceIoeventfd.Offset), 8)] // u64 offset
    [InlineData(typeof(VfioDeviceIoeventfd), nameof(VfioDeviceIoeventfd.Data), 16)] // u64 data
    [InlineData(typeof(VfioDeviceIoeventfd), nameof(VfioDeviceIoeventfd.Fd), 24)] // s32 fd
    [InlineData(typeof(VfioDeviceIoeventfd), nameof(VfioDeviceIoeventfd.Reserved), 28)] // reserved
    [InlineData(typeof(VfioDeviceFeature), nameof(VfioDeviceFeature.Flags), 4)] // flags; data at 8
    [InlineData(typeof(VfioDeviceBindIommufd), nameof(VfioDeviceBindIommufd.Iommufd), 8)] // s32 iommufd
    [InlineData(typeof(VfioDeviceBindIommufd), nameof(VfioDeviceBindIommufd.OutDevid), 12)] // out_devid
    [InlineData(typeof(VfioDeviceBindIommufd), nameof(VfioDeviceBindIommufd.TokenUuidPtr), 16)] // u64 token_uuid_ptr
    [InlineData(typeof(VfioDeviceAttachIommufdPt), nameof(VfioDeviceAttachIommufdPt.PtId), 8)] // pt_id
    [InlineData(typeof(VfioDeviceAttachIommufdPt), nameof(VfioDeviceAttachIommufdPt.Pasid), 12)] // pasid
    [InlineData(typeof(VfioIommuType1Info), nameof(VfioIommuType1Info.IovaPgsizes), 8)] // u64 iova_pgsizes
    [InlineData(typeof(VfioIommuType1Info), nameof(VfioIommuType1Info.CapOffset), 16)] // cap_offset
    [InlineData(typeof(VfioIommuType1Info), nameof(VfioIommuType1Info.Pad), 20)] // pad
    [InlineData(typeof(VfioIommuType1DmaMap), nameof(VfioIommuType1DmaMap.Vaddr), 8)] // u64 vaddr
    [InlineData(typeof(VfioIommuType1DmaMap), nameof(VfioIommuType1DmaMap.Iova), 16)] // u64 iova
    [InlineData(typeof(VfioIommuType1DmaMap), nameof(VfioIommuType1DmaMap.Size), 24)] // u64 size
    [InlineData(typeof(VfioIommuType1DmaUnmap), nameof(VfioIommuType1DmaUnmap.Iova), 8)] // u64 iova
    [InlineData(typeof(VfioIommuType1DmaUnmap), nameof(VfioIommuType1DmaUnmap.Size), 16)] // u64 size
    public void Offset_MatchesTheKernelStruct(Type type, string field, int expected) =>
        Assert.Equal(expected, (int)Marshal.OffsetOf(type, field));
}
