using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// A PCI Express root port. The topology chooses whether it implements ACS: many CPU root
/// ports do not, which is why devices below them share an IOMMU group with the port.
/// </summary>
public sealed class RootPortModel(string name, ushort deviceId, string description) : SimDeviceModel
{
    /// <inheritdoc />
    public override string Name => name;

    /// <inheritdoc />
    public override string Description => description;

    /// <inheritdoc />
    public override string? DefaultDriver => "pcieport";

    /// <inheritdoc />
    public override bool IsBridge => true;

    /// <inheritdoc />
    public override bool HasAcsOption => true;

    /// <inheritdoc />
    public override IReadOnlyList<SimBar> Bars => [];

    /// <inheritdoc />
    public override void Build(ConfigSpaceBuilder config, SimModelOptions options)
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
    }
}
