using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// Intel I210 Gigabit NIC (8086:1533): PCIe with FLR, MSI-X in a BAR of its own (BAR3, table at
/// 0, PBA at 0x2000), so every MSI-X page is isolated. The NIC of seed 000's dead-after-reboot case.
/// The simulation control block (DOORBELL, SCRATCH, INTX_ACK, counters) sits at BAR0+0x1F000.
/// </summary>
public static class NicModel
{
    /// <summary>MSI-X vectors.</summary>
    public const int Vectors = 5;

    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "nic-i210",
        Description = "Intel I210 Gigabit Ethernet (8086:1533): FLR, 5 MSI-X vectors in BAR3, page-isolated",
        DefaultDriver = "igb",
        Bars = [new SimBar(0, BarKind.Mem32, 1024 * 1024), new SimBar(2, BarKind.Io, 32), new SimBar(3, BarKind.Mem32, 16 * 1024)],
        RomSize = 1024 * 1024,
        Registers = [new RegisterRange(0, 0x0000, 0x20000, "device registers"), new RegisterRange(2, 0, 32, "I/O-mapped register window")],
        ControlBlock = new SimControlBlock(0, 0x1F000),
        Build = (config, options) => config
            .Identity(0x8086, 0x1533, 0x020000, revision: 0x03, multiFunction: options.MultiFunction)
            .Subsystem(0x8086, 0x0001)
            .Interrupt(pin: 1)
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true, pmeSupport: 0x19))
            .Capability(0x50, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: true))
            .Capability(0x70, CapabilityId.MsiX, CapabilityLayouts.Msix(Vectors, tableBir: 3, tableOffset: 0, pbaBir: 3, pbaOffset: 0x2000))
            .Capability(0xA0, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 2, flr: true, maxLinkSpeed: 1, maxLinkWidth: 1, maxPayloadSupportedCode: 2))
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, CapabilityLayouts.Aer())
            .ExtendedCapability(0x148, ExtendedCapabilityId.DeviceSerialNumber, 1, CapabilityLayouts.DeviceSerialNumber(0x6805_CAFF_FF2B_3A10))
            .ExtendedCapability(0x1A0, 0x0017 /* TPH Requester */, 1, CapabilityLayouts.Zeroed(8)),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR0+0x1F000, at the top of the device register space.</summary>
    public static IReadOnlyList<SimRegister> SimulationRegisters => Definition.ControlBlock!.Registers;
}
