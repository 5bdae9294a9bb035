using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// A Chelsio T5 virtual function as its firmware presents it (1425:5803): the MSI-X capability
/// places the PBA at BAR2+0x8000, beyond the 8 KiB BAR — the defect QEMU works around with a
/// device quirk. Without a fixup its interrupt state cannot be emulated safely.
/// The simulation control block (DOORBELL, SCRATCH, INTX_ACK, counters) sits at BAR0+0xF00.
/// </summary>
public static class PbaBeyondBarModel
{
    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "nic-t5-vf",
        Description = "Chelsio T5 VF (1425:5803): MSI-X PBA offset 0x8000 lies beyond its 8 KiB BAR2",
        DefaultDriver = "cxgb4vf",
        Bars = [new SimBar(0, BarKind.Mem64, 4 * 1024), new SimBar(2, BarKind.Mem64, 8 * 1024)],
        Registers = [new RegisterRange(0, 0, 4 * 1024, "VF registers")],
        ControlBlock = new SimControlBlock(0, 0xF00),
        Build = (config, options) => config
            .Identity(0x1425, 0x5803, 0x020000, revision: 0x00, multiFunction: options.MultiFunction)
            .Subsystem(0x1425, 0x0000)
            .Capability(0x40, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 2, flr: true, maxLinkSpeed: 3, maxLinkWidth: 8))
            .Capability(0x80, CapabilityId.MsiX, CapabilityLayouts.Msix(8, tableBir: 2, tableOffset: 0, pbaBir: 2, pbaOffset: 0x8000))
            .ExtendedCapability(0x100, ExtendedCapabilityId.Ari, 1, CapabilityLayouts.Ari(0)),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR0+0xF00, at the end of the VF register page.</summary>
    public static IReadOnlyList<SimRegister> SimulationRegisters => Definition.ControlBlock!.Registers;
}
