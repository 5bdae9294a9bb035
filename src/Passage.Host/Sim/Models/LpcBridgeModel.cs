using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>Intel ICH9 LPC interface (8086:2918): an ISA bridge the host always keeps (function 0 of 00:1f).</summary>
public static class LpcBridgeModel
{
    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "lpc-ich9",
        Description = "Intel ICH9 LPC interface controller (8086:2918), host-owned ISA bridge",
        DefaultDriver = "lpc_ich",
        ConfigSize = ConfigOffsets.ConventionalSize,
        Build = (config, options) => config
            .Identity(0x8086, 0x2918, 0x060100, revision: 0x02, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Capability(0xE0, CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(0x0C)),
    };
}
