using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class CapabilityNamesTests
{
    [Theory]
    [InlineData(0x01, "Power Management")] // PM
    [InlineData(0x03, "Vital Product Data")] // VPD
    [InlineData(0x05, "MSI")] // MSI
    [InlineData(0x09, "Vendor Specific")] // vendor specific
    [InlineData(0x0D, "Bridge Subsystem Vendor ID")] // bridge subsystem
    [InlineData(0x10, "PCI Express")] // PCIe
    [InlineData(0x11, "MSI-X")] // MSI-X
    [InlineData(0x13, "Advanced Features")] // AF
    [InlineData(0x14, "Enhanced Allocation")] // last defined ID
    public void ForStandard_KnownId_IsName(int id, string name)
    {
        Assert.Equal(name, CapabilityNames.ForStandard(id));
        Assert.True(CapabilityNames.IsKnownStandard(id));
    }

    [Theory]
    [InlineData(0x15, "Unknown (0x15)")] // first undefined ID
    [InlineData(0xFF, "Unknown (0xff)")] // all ones
    public void ForStandard_UnknownId_IsHex(int id, string name)
    {
        Assert.Equal(name, CapabilityNames.ForStandard(id));
        Assert.False(CapabilityNames.IsKnownStandard(id));
    }

    [Theory]
    [InlineData(0x0001, "Advanced Error Reporting")] // AER
    [InlineData(0x0003, "Device Serial Number")] // DSN
    [InlineData(0x000B, "Vendor-Specific Extended")] // VSEC
    [InlineData(0x000D, "Access Control Services")] // ACS
    [InlineData(0x000E, "Alternative Routing-ID Interpretation")] // ARI
    [InlineData(0x0010, "Single Root I/O Virtualization")] // SR-IOV
    [InlineData(0x0015, "Resizable BAR")] // ReBAR
    [InlineData(0x001D, "Downstream Port Containment")] // DPC
    [InlineData(0x0023, "Designated Vendor-Specific")] // DVSEC
    [InlineData(0x0024, "VF Resizable BAR")] // VF ReBAR
    [InlineData(0x002E, "Data Object Exchange")] // last defined ID
    public void ForExtended_KnownId_IsName(int id, string name)
    {
        Assert.Equal(name, CapabilityNames.ForExtended(id));
        Assert.True(CapabilityNames.IsKnownExtended(id));
    }

    [Theory]
    [InlineData(0x002F, "Unknown (0x002f)")] // first undefined ID
    [InlineData(0xFFFF, "Unknown (0xffff)")] // all ones
    public void ForExtended_UnknownId_IsHex(int id, string name)
    {
        Assert.Equal(name, CapabilityNames.ForExtended(id));
        Assert.False(CapabilityNames.IsKnownExtended(id));
    }

    [Fact]
    public void IsKnown_NullId_IsFalse()
    {
        Assert.False(CapabilityNames.IsKnownStandard(0));
        Assert.False(CapabilityNames.IsKnownExtended(0));
    }

    [Fact]
    public void CapabilityEntry_Name_ChoosesListByExtendedFlag()
    {
        // ID 0x10 is PCI Express on the standard list and SR-IOV on the extended one.
        Assert.Equal("PCI Express", new CapabilityEntry(0x40, 0x10, 0, 0, false).Name);
        Assert.Equal("Single Root I/O Virtualization", new CapabilityEntry(0x100, 0x10, 1, 0, true).Name);
    }
}
