using System.CommandLine;
using System.Text.Json;
using Passage.Cli.Json;
using Passage.Cli.Pci;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Cli.Devices;

/// <summary><c>passage device info</c>: a function opened as a host device, as a VMM would see it.</summary>
internal static class DeviceCommands
{
    public static Command Build(CliContext context)
    {
        var host = new Option<string?>("--host") { Description = HostSelection.Help, HelpName = "sysfs|sim:FILE" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var address = new Argument<string>("ADDRESS") { Description = "Function address, SSSS:BB:DD.F or BB:DD.F." };

        var info = new Command("info", "Open a function as a host device (VFIO on sysfs hosts, simulated on sim hosts) and show its regions, IRQ indexes, reset capability and, for simulated devices, the simulation registers.") { address, host, json };
        info.SetAction(r => context.Run(r, output => Info(context, r.GetValue(address)!, r.GetValue(host), r.GetValue(json), output)));

        return new Command("device", "Open host functions as devices.") { info };
    }

    private static int Info(CliContext context, string addressText, string? hostOption, bool json, TextWriter output)
    {
        PciAddress address = PciCommands.ParseAddress(addressText);
        HostSource source = HostSelection.Resolve(hostOption, context.Error, context.SysfsRoot);
        HostInventory inventory = HostSelection.Read(source);
        HostFunction function = inventory.Find(address)
            ?? throw new CliException($"no function {address} on {inventory.Description}");
        if (function.IsBridge)
        {
            throw new CliException($"{address} is a bridge: bridges stay with the host and cannot be opened as devices");
        }

        DeviceSnapshot snapshot;
        using (IHostDevice device = source.Simulated
            ? new SimDevice(new SimHost(inventory), address)
            : LinuxVfioDevice.Open(address, context.DevRoot, source.Path))
        {
            snapshot = DeviceSnapshot.Take(address.ToString(), device);
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(DeviceJsonMapper.Map(snapshot), CliJsonContext.Default.DeviceInfoJson));
        }
        else
        {
            DeviceInfoView.Write(output, snapshot);
        }

        return 0;
    }
}
