using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Host.Sim.Models;

/// <summary>
/// Intel ICH9 SMBus controller (8086:2930): a host-owned function of 00:1f with no reset method.
/// The simulation control block (DOORBELL, SCRATCH, INTX_ACK, counters) sits at BAR0+0xE0; with no
/// MSI its DOORBELL raises INTx.
/// </summary>
public static class SmbusModel
{
    /// <summary>The model.</summary>
    public static readonly SimDeviceModel Definition = new()
    {
        Name = "smbus-ich9",
        Description = "Intel ICH9 SMBus controller (8086:2930), host-owned, no reset method",
        DefaultDriver = "i801_smbus",
        ConfigSize = ConfigOffsets.ConventionalSize,
        Bars = [new SimBar(0, BarKind.Mem64, 256), new SimBar(4, BarKind.Io, 32)],
        Registers = [new RegisterRange(0, 0, 256, "SMBus host registers")],
        ControlBlock = new SimControlBlock(0, 0xE0),
        Build = (config, options) => config
            .Identity(0x8086, 0x2930, 0x0C0500, revision: 0x02, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Interrupt(pin: 3),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR0+0xE0, past the SMBus host registers it uses; no MSI, so DOORBELL raises INTx.</summary>
    public static IReadOnlyList<SimRegister> SimulationRegisters => Definition.ControlBlock!.Registers;
}
