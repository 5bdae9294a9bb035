using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// Intel Wi-Fi 6E AX210 (8086:2725): its MSI-X table sits at BAR0+0x2000 and control registers at
/// BAR0+0x2800 share that 4 KiB page — the layout that made such cards unusable under Xen until
/// accesses beside the table were forwarded (seed 003).
/// The simulation control block (DOORBELL, SCRATCH, INTX_ACK, counters) is those control registers.
/// </summary>
public static class WifiModel
{
    /// <summary>MSI-X vectors.</summary>
    public const int Vectors = 16;

    /// <summary>Offset of the control registers that share the MSI-X table's page.</summary>
    public const ulong ControlRegisters = 0x2800;

    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "wifi-ax210",
        Description = "Intel Wi-Fi 6E AX210 (8086:2725): control registers at BAR0+0x2800 share the MSI-X table page",
        DefaultDriver = "iwlwifi",
        Bars = [new SimBar(0, BarKind.Mem64, 16 * 1024)],
        Registers = [new RegisterRange(0, 0x0000, 0x2000, "CSR registers"), new RegisterRange(0, ControlRegisters, 0x100, "control registers")],
        ControlBlock = new SimControlBlock(0, ControlRegisters),
        Build = (config, options) => config
            .Identity(0x8086, 0x2725, 0x028000, revision: 0x1A, multiFunction: options.MultiFunction)
            .Subsystem(0x8086, 0x0024)
            .Interrupt(pin: 1)
            .Capability(0xC8, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: false, pmeSupport: 0x19))
            .Capability(0xD0, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false))
            .Capability(0x40, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 2, flr: true, maxLinkSpeed: 2, maxLinkWidth: 1))
            .Capability(0x80, CapabilityId.MsiX, CapabilityLayouts.Msix(Vectors, tableBir: 0, tableOffset: 0x2000, pbaBir: 0, pbaOffset: 0x3000))
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 1, CapabilityLayouts.Aer())
            .ExtendedCapability(0x14C, ExtendedCapabilityId.Ltr, 1, CapabilityLayouts.Ltr())
            .ExtendedCapability(0x154, ExtendedCapabilityId.L1PmSubstates, 1, CapabilityLayouts.L1PmSubstates()),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR0+0x2800, the control registers that share the MSI-X table page.</summary>
    public static IReadOnlyList<SimRegister> SimulationRegisters => Definition.ControlBlock!.Registers;
}
