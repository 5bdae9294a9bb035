using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Vpci.Tests.Machine;

/// <summary>The bundled lab host, simulated: its I210 NIC (0000:05:00.0) and its first root port (0000:00:01.0).</summary>
internal static class LabHost
{
    public static readonly PciAddress Nic = PciAddress.Parse("0000:05:00.0");

    public static readonly PciAddress RootPort = PciAddress.Parse("0000:00:01.0");

    private static readonly Lazy<HostInventory> Inventory = new(() => SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));

    /// <summary>A freshly powered-on simulated lab.</summary>
    public static SimHost Start() => new(Inventory.Value);
}
