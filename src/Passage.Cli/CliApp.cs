using System.CommandLine;
using Passage.Cli.Devices;
using Passage.Cli.Guest;
using Passage.Cli.Pci;
using Passage.Cli.Vm;

namespace Passage.Cli;

/// <summary>The command tree, built once per invocation and run with the given writers.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context) =>
        new("passage: PCI device passthrough for virtual machines — inventory, decoding, verdicts, device views, driver binding, virtual machines and a guest driver's view.")
        {
            PciCommands.Build(context),
            DeviceCommands.Build(context),
            VmCommands.Build(context),
            VfioUser.VfioUserCommands.Build(context),
            GuestCommands.Build(context),
            Store.StoreCommands.Build(context),
        };

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code. <paramref name="input"/> stands in for standard input; <paramref name="shutdown"/> stops servers as Ctrl-C does.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, string sysfsRoot = "/sys", string devRoot = "/dev/vfio", TextReader? input = null, CancellationToken shutdown = default)
    {
        var context = new CliContext(error, sysfsRoot, devRoot, input, shutdown);
        ParseResult result = Build(context).Parse(args);
        int code = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
        // A malformed command line exits 2, apart from failures of a well-formed one (1).
        return result.Errors.Count > 0 ? 2 : code;
    }
}
