using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class ExtendedCapabilityIdTests
{
    [Theory]
    [InlineData(ExtendedCapabilityId.Aer, 0x0001)] // AER
    [InlineData(ExtendedCapabilityId.DeviceSerialNumber, 0x0003)] // DSN
    [InlineData(ExtendedCapabilityId.Acs, 0x000D)] // ACS
    [InlineData(ExtendedCapabilityId.Ari, 0x000E)] // ARI
    [InlineData(ExtendedCapabilityId.Ats, 0x000F)] // ATS
    [InlineData(ExtendedCapabilityId.Sriov, 0x0010)] // SR-IOV
    [InlineData(ExtendedCapabilityId.ResizableBar, 0x0015)] // Resizable BAR
    [InlineData(ExtendedCapabilityId.Ltr, 0x0018)] // LTR
    [InlineData(ExtendedCapabilityId.Pasid, 0x001B)] // PASID
    [InlineData(ExtendedCapabilityId.Dpc, 0x001D)] // DPC
    [InlineData(ExtendedCapabilityId.L1PmSubstates, 0x001E)] // L1 PM substates
    [InlineData(ExtendedCapabilityId.Dvsec, 0x0023)] // DVSEC
    public void Value_EnumMember_MatchesSpecTable(ExtendedCapabilityId id, int value)
    {
        Assert.Equal(value, (int)id);
    }
}
