using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class CapabilityIdTests
{
    [Theory]
    [InlineData(CapabilityId.PowerManagement, 0x01)] // PM
    [InlineData(CapabilityId.Vpd, 0x03)] // VPD
    [InlineData(CapabilityId.Msi, 0x05)] // MSI
    [InlineData(CapabilityId.VendorSpecific, 0x09)] // vendor specific
    [InlineData(CapabilityId.HotPlug, 0x0C)] // SHPC
    [InlineData(CapabilityId.BridgeSubsystemVendorId, 0x0D)] // bridge subsystem
    [InlineData(CapabilityId.PciExpress, 0x10)] // PCIe
    [InlineData(CapabilityId.MsiX, 0x11)] // MSI-X
    [InlineData(CapabilityId.AdvancedFeatures, 0x13)] // AF
    [InlineData(CapabilityId.EnhancedAllocation, 0x14)] // EA
    public void Value_EnumMember_MatchesSpecTable(CapabilityId id, int value)
    {
        Assert.Equal(value, (int)id);
    }
}
