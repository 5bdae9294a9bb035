using System.CommandLine;
using System.Text.Json;
using Passage.Cli.Json;
using Passage.Host.Linux;
using Passage.Pci;

namespace Passage.Cli.Pci;

/// <summary><c>passage pci bind|unbind</c>: hand a function to vfio-pci and give it back to its host driver.</summary>
internal static class DriverBindingCommands
{
    public static Command Bind(CliContext context, Option<string?> host, Option<bool> json)
    {
        var address = new Argument<string>("ADDRESS") { Description = "Function address, SSSS:BB:DD.F or BB:DD.F." };
        var driver = new Argument<string>("DRIVER") { Description = $"Driver to bind: {PciDriverBinding.VfioPci} (the only one supported)." };
        var bind = new Command("bind", $"Bind a function to {PciDriverBinding.VfioPci} through driver_override (sysfs hosts; the function's IOMMU group must be viable).") { address, driver, host, json };
        bind.SetAction(r => context.Run(r, output =>
        {
            string name = r.GetValue(driver)!;
            if (name != PciDriverBinding.VfioPci)
            {
                throw new UsageException($"driver '{name}' is not supported: only {PciDriverBinding.VfioPci} can be bound");
            }

            return Run(context, r.GetValue(address)!, r.GetValue(host), r.GetValue(json), output, bind: true);
        }));
        return bind;
    }

    public static Command Unbind(CliContext context, Option<string?> host, Option<bool> json)
    {
        var address = new Argument<string>("ADDRESS") { Description = "Function address, SSSS:BB:DD.F or BB:DD.F." };
        var unbind = new Command("unbind", "Give a function back to its host driver: clear driver_override, unbind, and let the kernel probe it (sysfs hosts).") { address, host, json };
        unbind.SetAction(r => context.Run(r, output => Run(context, r.GetValue(address)!, r.GetValue(host), r.GetValue(json), output, bind: false)));
        return unbind;
    }

    private static int Run(CliContext context, string addressText, string? hostOption, bool json, TextWriter output, bool bind)
    {
        PciAddress address = PciCommands.ParseAddress(addressText);
        // Binding acts on this machine unless told otherwise: no fallback to the simulated lab.
        HostSource source = hostOption is null ? new HostSource(Simulated: false, context.SysfsRoot) : HostSelection.Resolve(hostOption, context.Error, context.SysfsRoot);
        if (source.Simulated)
        {
            throw new CliException("simulated hosts take their drivers from the topology file; edit its \"driver\" keys instead");
        }

        string vfioDriver = Path.Combine(source.Path, "bus", "pci", "drivers", PciDriverBinding.VfioPci);
        if (!Directory.Exists(vfioDriver))
        {
            throw new CliException($"{PciDriverBinding.VfioPci} is not loaded ({vfioDriver} does not exist); load it with 'modprobe {PciDriverBinding.VfioPci}' first");
        }

        var binding = new PciDriverBinding(source.Path);
        PciDriverBindingResult result = bind ? binding.BindToVfio(address) : binding.ReleaseToHost(address);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                new DriverBindingJson { Address = result.Address.ToString(), PreviousDriver = result.PreviousDriver, NewDriver = result.NewDriver, Changed = result.Changed },
                CliJsonContext.Default.DriverBindingJson));
            return 0;
        }

        if (!result.Changed)
        {
            output.WriteLine($"{address}: already bound to {result.NewDriver}");
            return 0;
        }

        output.WriteLine($"{address}: {result.PreviousDriver ?? "(no driver)"} → {result.NewDriver ?? "(no driver)"}");
        if (bind && result.NewDriver != PciDriverBinding.VfioPci)
        {
            output.WriteLine($"note: {PciDriverBinding.VfioPci} has not claimed {address} after the probe; the kernel log says why");
        }
        else if (!bind && result.NewDriver == PciDriverBinding.VfioPci)
        {
            output.WriteLine($"note: {address} is still on {PciDriverBinding.VfioPci} after the probe; the kernel log says why");
        }

        return 0;
    }
}
