using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// The ports of a Broadcom/PLX PEX 8747 PCI Express switch (10b5:8747): the upstream port, and
/// downstream ports whose ACS the topology chooses (on by default).
/// </summary>
public static class SwitchPortModel
{
    /// <summary>The upstream port, with its 256 KiB management BAR.</summary>
    public static readonly SimDeviceModel Upstream = Create(upstream: true);

    /// <summary>A downstream port.</summary>
    public static readonly SimDeviceModel Downstream = Create(upstream: false);

    private static SimDeviceModel Create(bool upstream) => new()
    {
        Name = upstream ? "switch-upstream" : "switch-downstream",
        Description = $"PLX PEX 8747 PCIe switch, {(upstream ? "upstream" : "downstream")} port (10b5:8747)",
        DefaultDriver = "pcieport",
        IsBridge = true,
        HasAcsOption = !upstream,
        DefaultAcs = !upstream,
        Bars = upstream ? [new SimBar(0, BarKind.Mem32, 256 * 1024)] : [],
        Registers = upstream ? [new RegisterRange(0, 0, 256 * 1024, "switch management registers")] : [],
        Build = (config, options) =>
        {
            config.Identity(0x10B5, 0x8747, 0x060400, revision: 0xCA, layout: HeaderLayout.Bridge, multiFunction: options.MultiFunction)
                .Interrupt(pin: 1)
                .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true, pmeSupport: 0x19))
                .Capability(0x48, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: true))
                .Capability(0x68, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(upstream ? PcieDeviceType.UpstreamPort : PcieDeviceType.DownstreamPort, 2, maxLinkSpeed: 3, maxLinkWidth: upstream ? 16 : 8, slot: !upstream))
                .Capability(0xA4, CapabilityId.BridgeSubsystemVendorId, CapabilityLayouts.BridgeSubsystem(0x10B5, 0x8747))
                .ExtendedCapability(0x100, ExtendedCapabilityId.DeviceSerialNumber, 1, CapabilityLayouts.DeviceSerialNumber(0x0000_00AC_8747_10B5))
                .ExtendedCapability(0x138, ExtendedCapabilityId.Aer, 1, CapabilityLayouts.Aer());
            if (options.Acs)
            {
                config.ExtendedCapability(0x180, ExtendedCapabilityId.Acs, 1, CapabilityLayouts.Acs());
            }
        },
    };
}
