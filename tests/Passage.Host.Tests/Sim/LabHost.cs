using Passage.Host.Inventory;
using Passage.Host.Sim;

namespace Passage.Host.Tests.Sim;

/// <summary>The bundled lab topology, loaded once per test class that uses it.</summary>
public sealed class LabHost
{
    public LabHost() => Inventory = SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json"));

    public HostInventory Inventory { get; }

    public HostFunction this[string address] =>
        Inventory.Find(Passage.Pci.PciAddress.Parse(address)) ?? throw new InvalidOperationException($"lab has no {address}");
}
