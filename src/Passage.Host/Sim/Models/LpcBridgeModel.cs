using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>Intel ICH9 LPC interface (8086:2918): an ISA bridge the host always keeps (function 0 of 00:1f).</summary>
public sealed class LpcBridgeModel : SimDeviceModel
{
    /// <inheritdoc />
    public override string Name => "lpc-ich9";

    /// <inheritdoc />
    public override string Description => "Intel ICH9 LPC interface controller (8086:2918), host-owned ISA bridge";

    /// <inheritdoc />
    public override string? DefaultDriver => "lpc_ich";

    /// <inheritdoc />
    public override int ConfigSize => ConfigOffsets.ConventionalSize;

    /// <inheritdoc />
    public override IReadOnlyList<SimBar> Bars => [];

    /// <inheritdoc />
    public override void Build(ConfigSpaceBuilder config, SimModelOptions options) =>
        config.Identity(0x8086, 0x2918, 0x060100, revision: 0x02, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Capability(0xE0, CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(0x0C));
}
