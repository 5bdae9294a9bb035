using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// Intel ICH9 AHCI SATA controller (8086:2922): a conventional (non-Express) function with MSI
/// only (32-bit, 16 vectors), reset through Advanced Features FLR. Function 2 of the PCH's
/// multi-function device 00:1f, which has no ACS, so it shares its IOMMU group with the LPC bridge
/// and the SMBus controller.
/// The simulation control block (DOORBELL, SCRATCH, INTX_ACK, counters) sits in the ABAR's vendor-specific registers at BAR5+0xA0; its DOORBELL raises MSI, or INTx when MSI is off.
/// </summary>
public static class AhciModel
{
    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "ahci-ich9",
        Description = "Intel ICH9 AHCI (8086:2922): legacy PCI function with MSI only, AF FLR",
        DefaultDriver = "ahci",
        ConfigSize = ConfigOffsets.ConventionalSize,
        Bars =
        [
            new SimBar(0, BarKind.Io, 8), new SimBar(1, BarKind.Io, 4), new SimBar(2, BarKind.Io, 8),
            new SimBar(3, BarKind.Io, 4), new SimBar(4, BarKind.Io, 32), new SimBar(5, BarKind.Mem32, 2048),
        ],
        Registers = [new RegisterRange(5, 0, 2048, "AHCI HBA registers (ABAR)")],
        ControlBlock = new SimControlBlock(5, 0xA0),
        Build = (config, options) => config
            .Identity(0x8086, 0x2922, 0x010601, revision: 0x02, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Interrupt(pin: 2)
            .Capability(0x80, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: false, perVectorMask: false, multipleMessageCapableLog2: 4))
            .Capability(0x70, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true, pmeSupport: 0x08))
            .Capability(0xA8, CapabilityId.Sata, CapabilityLayouts.Sata())
            .Capability(0xB0, CapabilityId.AdvancedFeatures, CapabilityLayouts.AdvancedFeatures()),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at ABAR (BAR5)+0xA0, the HBA's vendor-specific registers; DOORBELL raises MSI, or INTx when MSI is off.</summary>
    public static IReadOnlyList<SimRegister> SimulationRegisters => Definition.ControlBlock!.Registers;
}
