using System.Globalization;
using Passage.Host.Linux.Vfio;

namespace Passage.Host.Tests.Linux;

public sealed class VfioIoctlTests
{
    // The numbers are ABI: frozen here against host-device.md §8.1.
    [Theory]
    [InlineData(nameof(VfioIoctl.GetApiVersion), 0x3B64)] // 100
    [InlineData(nameof(VfioIoctl.CheckExtension), 0x3B65)] // 101
    [InlineData(nameof(VfioIoctl.SetIommu), 0x3B66)] // 102
    [InlineData(nameof(VfioIoctl.GroupGetStatus), 0x3B67)] // 103
    [InlineData(nameof(VfioIoctl.GroupSetContainer), 0x3B68)] // 104
    [InlineData(nameof(VfioIoctl.GroupUnsetContainer), 0x3B69)] // 105
    [InlineData(nameof(VfioIoctl.GroupGetDeviceFd), 0x3B6A)] // 106
    [InlineData(nameof(VfioIoctl.DeviceGetInfo), 0x3B6B)] // 107
    [InlineData(nameof(VfioIoctl.DeviceGetRegionInfo), 0x3B6C)] // 108
    [InlineData(nameof(VfioIoctl.DeviceGetIrqInfo), 0x3B6D)] // 109
    [InlineData(nameof(VfioIoctl.DeviceSetIrqs), 0x3B6E)] // 110
    [InlineData(nameof(VfioIoctl.DeviceReset), 0x3B6F)] // 111
    [InlineData(nameof(VfioIoctl.DeviceGetPciHotResetInfo), 0x3B70)] // 112, device
    [InlineData(nameof(VfioIoctl.IommuGetInfo), 0x3B70)] // 112, container
    [InlineData(nameof(VfioIoctl.DevicePciHotReset), 0x3B71)] // 113, device
    [InlineData(nameof(VfioIoctl.IommuMapDma), 0x3B71)] // 113, container
    [InlineData(nameof(VfioIoctl.DeviceQueryGfxPlane), 0x3B72)] // 114, device
    [InlineData(nameof(VfioIoctl.IommuUnmapDma), 0x3B72)] // 114, container
    [InlineData(nameof(VfioIoctl.DeviceGetGfxDmabuf), 0x3B73)] // 115, device
    [InlineData(nameof(VfioIoctl.IommuEnable), 0x3B73)] // 115, container
    [InlineData(nameof(VfioIoctl.DeviceIoeventfd), 0x3B74)] // 116, device
    [InlineData(nameof(VfioIoctl.IommuDisable), 0x3B74)] // 116, container
    [InlineData(nameof(VfioIoctl.DeviceFeature), 0x3B75)] // 117, device
    [InlineData(nameof(VfioIoctl.IommuDirtyPages), 0x3B75)] // 117, container
    [InlineData(nameof(VfioIoctl.DeviceBindIommufd), 0x3B76)] // 118, cdev
    [InlineData(nameof(VfioIoctl.DeviceAttachIommufdPt), 0x3B77)] // 119, cdev
    [InlineData(nameof(VfioIoctl.DeviceDetachIommufdPt), 0x3B78)] // 120, cdev
    [InlineData(nameof(VfioIoctl.MigGetPrecopyInfo), 0x3B79)] // 121, migration data fd
    [InlineData(nameof(VfioIoctl.EehPeOp), 0x3B79)] // 121, sPAPR container
    public void Number_MatchesTheKernelAbi(string name, uint expected) => Assert.Equal(expected, Value<uint>(typeof(VfioIoctl), name));

    [Fact]
    public void Numbers_AreIoWithoutSizeOrDirection()
    {
        uint[] all = [VfioIoctl.GetApiVersion, VfioIoctl.DeviceSetIrqs, VfioIoctl.EehPeOp];

        Assert.All(all, n => Assert.Equal(0u, n & 0xFFFF_0000u));
        Assert.All(all, n => Assert.Equal((uint)';', (n >> 8) & 0xFF));
    }

    // Constants the kernel interprets, frozen against host-device.md §8.3.
    [Theory]
    [InlineData(nameof(VfioConstants.Type1Iommu), 1)] // extension TYPE1
    [InlineData(nameof(VfioConstants.Type1v2Iommu), 3)] // extension TYPE1v2, what Passage selects
    [InlineData(nameof(VfioConstants.NoIommu), 8)] // extension NOIOMMU
    [InlineData(nameof(VfioConstants.UpdateVaddr), 10)] // extension UPDATE_VADDR
    [InlineData(nameof(VfioConstants.DeviceFlagsCaps), 0x80)] // device info CAPS
    [InlineData(nameof(VfioConstants.IrqSetActionTrigger), 0x20)] // SET_IRQS ACTION_TRIGGER
    [InlineData(nameof(VfioConstants.IrqSetDataEventfd), 4)] // SET_IRQS DATA_EVENTFD
    [InlineData(nameof(VfioConstants.DeviceFeatureProbe), 1 << 18)] // feature PROBE
    [InlineData(nameof(VfioConstants.DeviceFeatureDmaBuf), 11)] // feature DMA_BUF
    [InlineData(nameof(VfioConstants.RegionInfoCapMsixMappable), 3)] // region cap MSIX_MAPPABLE
    public void Constant_MatchesTheKernelAbi(string name, long expected) => Assert.Equal(expected, Convert.ToInt64(typeof(VfioConstants).GetField(name)!.GetValue(null), CultureInfo.InvariantCulture));

    private static T Value<T>(Type type, string name) => (T)type.GetField(name)!.GetValue(null)!;
}
