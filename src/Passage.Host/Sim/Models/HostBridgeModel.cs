using Passage.Pci;

namespace Passage.Host.Sim.Models;

/// <summary>Intel 8th-gen Core host bridge (8086:3ec2): the root complex's function 00:00.0.</summary>
public sealed class HostBridgeModel : SimDeviceModel
{
    /// <inheritdoc />
    public override string Name => "host-bridge";

    /// <inheritdoc />
    public override string Description => "Intel 8th Gen Core host bridge/DRAM registers (8086:3ec2)";

    /// <inheritdoc />
    public override string? DefaultDriver => null;

    /// <inheritdoc />
    public override int ConfigSize => ConfigOffsets.ConventionalSize;

    /// <inheritdoc />
    public override IReadOnlyList<SimBar> Bars => [];

    /// <inheritdoc />
    public override void Build(ConfigSpaceBuilder config, SimModelOptions options) =>
        config.Identity(0x8086, 0x3EC2, 0x060000, revision: 0x07, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Capability(0xE0, Pci.Capabilities.CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(0x10));
}
