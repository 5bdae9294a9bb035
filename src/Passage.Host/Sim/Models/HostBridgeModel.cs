using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>Intel 8th-gen Core host bridge (8086:3ec2): the root complex's function 00:00.0.</summary>
public static class HostBridgeModel
{
    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "host-bridge",
        Description = "Intel 8th Gen Core host bridge/DRAM registers (8086:3ec2)",
        ConfigSize = ConfigOffsets.ConventionalSize,
        Build = (config, options) => config
            .Identity(0x8086, 0x3EC2, 0x060000, revision: 0x07, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Capability(0xE0, CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(0x10)),
    };
}
