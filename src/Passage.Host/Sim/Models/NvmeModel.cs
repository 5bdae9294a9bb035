using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// Samsung 970 EVO Plus NVMe SSD (144d:a808): FLR, 33 MSI-X vectors (admin + 32 I/O queues),
/// table at BAR0+0x3000 and PBA at BAR0+0x2000, each alone in its 4 KiB page.
/// The simulation control block (DOORBELL, SCRATCH, INTX_ACK, counters) sits at BAR0+0xF00.
/// </summary>
public static class NvmeModel
{
    /// <summary>MSI-X vectors.</summary>
    public const int Vectors = 33;

    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "nvme-970evo",
        Description = "Samsung 970 EVO Plus NVMe (144d:a808): FLR, 33 MSI-X vectors, table and PBA page-isolated in BAR0",
        DefaultDriver = "nvme",
        Bars = [new SimBar(0, BarKind.Mem64, 16 * 1024)],
        Registers = [new RegisterRange(0, 0x0000, 0x1000, "controller registers"), new RegisterRange(0, 0x1000, 8 * Vectors, "submission/completion queue doorbells")],
        ControlBlock = new SimControlBlock(0, 0x0F00),
        Build = (config, options) => config
            .Identity(0x144D, 0xA808, 0x010802, revision: 0x00, multiFunction: options.MultiFunction)
            .Subsystem(0x144D, 0xA801)
            .Interrupt(pin: 1)
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true))
            .Capability(0x50, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: true, multipleMessageCapableLog2: 5))
            .Capability(0x70, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 2, flr: true, maxLinkSpeed: 3, maxLinkWidth: 4, maxPayloadSupportedCode: 2))
            .Capability(0xB0, CapabilityId.MsiX, CapabilityLayouts.Msix(Vectors, tableBir: 0, tableOffset: 0x3000, pbaBir: 0, pbaOffset: 0x2000))
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, CapabilityLayouts.Aer())
            .ExtendedCapability(0x148, ExtendedCapabilityId.DeviceSerialNumber, 1, CapabilityLayouts.DeviceSerialNumber(0x0025_3855_1180_9C6E))
            .ExtendedCapability(0x158, ExtendedCapabilityId.PowerBudgeting, 1, CapabilityLayouts.Zeroed(12))
            .ExtendedCapability(0x168, ExtendedCapabilityId.SecondaryPciExpress, 1, CapabilityLayouts.SecondaryPcie(4))
            .ExtendedCapability(0x188, ExtendedCapabilityId.Ltr, 1, CapabilityLayouts.Ltr())
            .ExtendedCapability(0x190, ExtendedCapabilityId.L1PmSubstates, 1, CapabilityLayouts.L1PmSubstates()),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR0+0xF00, in the vendor-specific end of the controller register page.</summary>
    public static IReadOnlyList<SimRegister> SimulationRegisters => Definition.ControlBlock!.Registers;
}
