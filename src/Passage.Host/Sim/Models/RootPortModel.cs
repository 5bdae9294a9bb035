using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// PCI Express root ports. The topology chooses whether one implements ACS: many CPU root ports
/// do not, which is why devices below them share an IOMMU group with the port.
/// </summary>
public static class RootPortModel
{
    /// <summary>Intel Xeon E3 / 6th Gen Core x16 root port (8086:1901).</summary>
    public static readonly SimDeviceModel Cpu = Create("root-port", 0x1901, "Intel Xeon E3/6th Gen Core PCIe root port x16 (8086:1901)");

    /// <summary>Intel 100 Series PCH root port (8086:a110).</summary>
    public static readonly SimDeviceModel Pch = Create("root-port-pch", 0xA110, "Intel 100 Series PCH PCIe root port (8086:a110)");

    private static SimDeviceModel Create(string name, ushort deviceId, string description) => new()
    {
        Name = name,
        Description = description,
        DefaultDriver = "pcieport",
        IsBridge = true,
        HasAcsOption = true,
        Build = (config, options) =>
        {
            config.Identity(0x8086, deviceId, 0x060400, revision: 0x07, layout: HeaderLayout.Bridge, multiFunction: options.MultiFunction)
                .Interrupt(pin: 1)
                .Capability(0x80, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: false, pmeSupport: 0x19))
                .Capability(0x88, CapabilityId.BridgeSubsystemVendorId, CapabilityLayouts.BridgeSubsystem(0x1028, 0x0869))
                .Capability(0x90, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: false, perVectorMask: false))
                .Capability(0xA0, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.RootPort, 2, maxLinkSpeed: 3, maxLinkWidth: 16, slot: true))
                .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 1, CapabilityLayouts.Aer());
            if (options.Acs)
            {
                config.ExtendedCapability(0x150, ExtendedCapabilityId.Acs, 1, CapabilityLayouts.Acs());
            }
        },
    };
}
