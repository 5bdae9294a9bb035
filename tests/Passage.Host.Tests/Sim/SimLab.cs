using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Host.Tests.Sim;

/// <summary>A fresh running lab host per test; the inventory is immutable and loaded once.</summary>
internal static class SimLab
{
    private static readonly Lazy<HostInventory> Inventory = new(() => SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));

    public static SimHost Start() => new(Inventory.Value);

    public static SimFunction Function(string address) => Start()[PciAddress.Parse(address)];

    public static SimFunction Get(this SimHost host, string address) => host[PciAddress.Parse(address)];

    /// <summary>Attaches a recording sink to <paramref name="function"/> and returns it.</summary>
    public static RecordingSink Record(this SimFunction function)
    {
        var sink = new RecordingSink();
        function.Sink = sink;
        return sink;
    }

    public static ushort Read16(this SimFunction function, int offset) => (ushort)function.ReadConfig(offset, 2);

    public static void Write16(this SimFunction function, int offset, ushort value) => function.WriteConfig(offset, 2, value);

    public static void SetCommand(this SimFunction function, PciCommand command) => function.WriteConfig(ConfigOffsets.Command, 2, (uint)command);
}
