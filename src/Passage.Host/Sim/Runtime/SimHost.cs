using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Every running function of a simulated inventory, the clock they share, and the topology that
/// lets a bridge's Secondary Bus Reset reach every function below it.
/// </summary>
public sealed class SimHost
{
    private readonly Dictionary<PciAddress, SimFunction> _byAddress = [];

    /// <summary>Starts every function of <paramref name="inventory"/> (built by <see cref="SimulatedHost"/>) at its power-on state.</summary>
    /// <exception cref="ArgumentException">A function has no known device model (the inventory is not simulated).</exception>
    public SimHost(HostInventory inventory, VirtualClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        Inventory = inventory;
        Clock = clock ?? new VirtualClock();
        var functions = new List<SimFunction>();
        foreach (HostFunction function in inventory.Functions)
        {
            SimDeviceModel model = DeviceModelCatalogue.Find(function.Model ?? string.Empty)
                ?? throw new ArgumentException($"{function.Address} has no simulated device model", nameof(inventory));
            var sim = new SimFunction(function, model, Clock) { Host = this };
            functions.Add(sim);
            _byAddress.Add(function.Address, sim);
        }

        Functions = functions;
        foreach (SimFunction function in functions)
        {
            if (RootPortAbove(function) is { } port && port.Function.Decoded.Pcie is { } pcie)
            {
                int rootControl = pcie.Offset + PciExpressCapability.RootControlOffset;
                function.RrsVisible = () => (port.ReadConfig(rootControl, 2) & PciExpressCapability.RrsSoftwareVisibility) != 0;
            }
        }
    }

    /// <summary>The inventory the host runs.</summary>
    public HostInventory Inventory { get; }

    /// <summary>The clock every function charges its waits to.</summary>
    public VirtualClock Clock { get; }

    /// <summary>Every function, in inventory order.</summary>
    public IReadOnlyList<SimFunction> Functions { get; }

    /// <summary>The function at <paramref name="address"/>, or null.</summary>
    public SimFunction? Find(PciAddress address) => _byAddress.GetValueOrDefault(address);

    /// <summary>The function at <paramref name="address"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such function.</exception>
    public SimFunction this[PciAddress address] => _byAddress[address];

    /// <summary>Every function below <paramref name="bridge"/>: its whole subtree, bridges included.</summary>
    public IReadOnlyList<SimFunction> Below(PciAddress bridge) => [.. Functions.Where(f => IsBelow(f, bridge))];

    /// <summary>
    /// Resets every function below <paramref name="bridge"/> through its Bridge Control Secondary
    /// Bus Reset: set, hold 2 ms, clear, wait 100 ms (1000 + 100 ms below a conventional bridge),
    /// then readiness polling of each function.
    /// </summary>
    /// <exception cref="HostDeviceException">ENOTTY: no such bridge, or it is not ready to take the reset.</exception>
    public SimResetResult SecondaryBusReset(PciAddress bridge)
    {
        if (Find(bridge) is not { } port || port.Function.Decoded.Config.Layout != HeaderLayout.Bridge || !port.IsReady)
        {
            throw new HostDeviceException(Errno.ENOTTY, $"{bridge}: no bridge to reset the bus below");
        }

        TimeSpan start = Clock.Now;
        uint control = port.ReadConfig(ConfigOffsets.BridgeControl, 2);
        port.WriteConfig(ConfigOffsets.BridgeControl, 2, control | ConfigOffsets.BridgeControlSecondaryBusReset);
        Clock.Advance(ResetTimings.SecondaryBusResetHold);
        port.WriteConfig(ConfigOffsets.BridgeControl, 2, control & ~(uint)ConfigOffsets.BridgeControlSecondaryBusReset);
        Clock.Advance(BusResetWait(port));

        IReadOnlyList<SimFunction> below = Below(bridge);
        bool ready = true;
        foreach (SimFunction function in below)
        {
            ready &= function.WaitUntilReady();
        }

        return new SimResetResult(ResetMethodNames.Bus, Clock.Now - start, [.. below.Select(f => f.Address)], ready);
    }

    /// <summary>A bridge's Secondary Bus Reset bit changed: hold or release everything below it.</summary>
    internal void SecondaryBusResetChanged(SimFunction bridge, bool asserted)
    {
        TimeSpan wait = BusResetWait(bridge);
        foreach (SimFunction function in Functions)
        {
            if (!IsBelow(function, bridge.Address))
            {
                continue;
            }

            if (asserted)
            {
                function.HoldInReset();
            }
            else
            {
                function.ReleaseFromBusReset(wait);
            }
        }
    }

    // PCI Express links settle in 100 ms; conventional PCI takes 1000 + 100 ms.
    private static TimeSpan BusResetWait(SimFunction bridge) =>
        bridge.Function.Decoded.Pcie is { } pcie && pcie.DeviceType != PcieDeviceType.PcieToPciBridge
            ? ResetTimings.PcieBusResetWait
            : ResetTimings.ConventionalBusResetWait;

    private SimFunction? RootPortAbove(SimFunction function)
    {
        SimFunction? found = null;
        for (PciAddress? p = function.Function.Parent; p is { } a && Find(a) is { } parent; p = parent.Function.Parent)
        {
            if (parent.Function.Decoded.Pcie?.DeviceType == PcieDeviceType.RootPort)
            {
                found = parent;
            }
        }

        return found;
    }

    private bool IsBelow(SimFunction function, PciAddress bridge)
    {
        PciAddress? p = function.Function.Parent;
        for (int depth = 0; p is { } a && depth < 256; depth++)
        {
            if (a == bridge)
            {
                return true;
            }

            p = Find(a)?.Function.Parent;
        }

        return false;
    }
}
