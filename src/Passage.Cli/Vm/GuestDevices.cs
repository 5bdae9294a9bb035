using Passage.Cli.Pci;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Vpci.Function;
using Passage.Vpci.Machine;

namespace Passage.Cli.Vm;

/// <summary>
/// The host functions a command gives to a guest (<c>--host</c> and <c>--device</c>): checked to be
/// endpoints of the host, opened as host devices — simulated on a sim host (one running host for
/// all of them), through VFIO on sysfs — and closed again, last first.
/// </summary>
internal sealed class GuestDevices : IDisposable
{
    private readonly List<(HostFunction Function, IHostDevice Device)> _opened = [];

    private GuestDevices(HostInventory inventory, SimHost? simHost)
    {
        Inventory = inventory;
        SimHost = simHost;
    }

    /// <summary>The host's inventory.</summary>
    public HostInventory Inventory { get; }

    /// <summary>The running simulated host, on a sim host.</summary>
    public SimHost? SimHost { get; }

    /// <summary>The functions, with their opened devices, in the order given.</summary>
    public IReadOnlyList<(HostFunction Function, IHostDevice Device)> Devices => _opened;

    /// <summary>Resolves <paramref name="hostOption"/>, checks every address and opens each function.</summary>
    /// <exception cref="UsageException">A malformed or repeated address (a command-line error).</exception>
    /// <exception cref="CliException">An unknown function, a bridge, or a device that cannot be opened.</exception>
    public static GuestDevices Open(CliContext context, string? hostOption, IReadOnlyList<string> deviceTexts)
    {
        PciAddress[] addresses = Parse(deviceTexts);
        HostSource source = HostSelection.Resolve(hostOption, context.Error, context.SysfsRoot);
        HostInventory inventory = HostSelection.Read(source);
        HostFunction[] functions = [.. addresses.Select(a => Assignable(inventory, a))];
        var devices = new GuestDevices(inventory, source.Simulated ? new SimHost(inventory) : null);
        try
        {
            foreach (HostFunction function in functions)
            {
                IHostDevice device = devices.SimHost is { } sim
                    ? new SimDevice(sim, function.Address)
                    : LinuxVfioDevice.Open(function.Address, context.DevRoot, source.Path);
                devices._opened.Add((function, device));
            }

            return devices;
        }
        catch
        {
            devices.Dispose();
            throw;
        }
    }

    /// <summary>Attaches the device of <paramref name="function"/> to <paramref name="machine"/>; returns its slot.</summary>
    public static int Attach(VirtualMachine machine, IHostDevice device, VirtualFunctionOptions options, PciAddress function)
    {
        try
        {
            return machine.AttachHost(device, options: options);
        }
        catch (AttachException e)
        {
            throw new CliException($"{function}: {e.Message}");
        }
    }

    /// <summary>The line a command prints when a function is attached.</summary>
    public static string AttachedLine(HostFunction function, int slot) =>
        $"passage: {function.Address} ({function.Config.VendorId:x4}:{function.Config.DeviceId:x4}) at guest {VirtualMachine.GuestAddress(slot)}";

    /// <summary>The simulation doorbell of a simulated function's model, if it has one.</summary>
    public static SimControlBlock? ControlBlock(HostFunction function) =>
        DeviceModelCatalogue.Find(function.Model ?? string.Empty)?.ControlBlock;

    /// <summary>Closes the devices, last first.</summary>
    public void Dispose()
    {
        for (int i = _opened.Count - 1; i >= 0; i--)
        {
            _opened[i].Device.Dispose();
        }

        _opened.Clear();
    }

    private static PciAddress[] Parse(IReadOnlyList<string> texts)
    {
        var addresses = new List<PciAddress>();
        foreach (string text in texts)
        {
            if (!PciAddress.TryParse(text, out PciAddress address))
            {
                throw new UsageException($"--device '{text}' is not a PCI address (expected SSSS:BB:DD.F or BB:DD.F)");
            }

            if (addresses.Contains(address))
            {
                throw new UsageException($"--device {address} is given twice: a function can be attached once");
            }

            addresses.Add(address);
        }

        return [.. addresses];
    }

    private static HostFunction Assignable(HostInventory inventory, PciAddress address)
    {
        HostFunction function = inventory.Find(address)
            ?? throw new CliException($"no function {address} on {inventory.Description}");
        return function.IsBridge
            ? throw new CliException($"{address} is a bridge: bridges stay with the host and cannot be given to a guest")
            : function;
    }
}
