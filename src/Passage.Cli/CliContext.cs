using System.CommandLine;
using Passage.Cli.Pci;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Sim;

namespace Passage.Cli;

/// <summary>What every command shares: the error writer, the sysfs and VFIO device roots, names, and the one error policy.</summary>
internal sealed class CliContext(TextWriter error, string sysfsRoot, string devRoot = "/dev/vfio", TextReader? input = null, CancellationToken shutdown = default)
{
    private NameResolver? _names;

    public TextWriter Error => error;

    public string SysfsRoot => sysfsRoot;

    /// <summary>Where the VFIO device nodes live (<c>/dev/vfio</c>).</summary>
    public string DevRoot => devRoot;

    /// <summary>Where commands read from when no file is given (standard input).</summary>
    public TextReader Input => input ?? Console.In;

    /// <summary>Asks long-running commands (servers) to stop, besides Ctrl-C and SIGTERM; tests use it.</summary>
    public CancellationToken Shutdown => shutdown;

    /// <summary>Names from the system's pci.ids, loaded on first use.</summary>
    public NameResolver Names => _names ??= NameResolver.System();

    /// <summary>
    /// Runs a command body: expected failures become one line on stderr and a non-zero exit code,
    /// never a stack trace.
    /// </summary>
    public int Run(ParseResult result, Func<TextWriter, int> body)
    {
        TextWriter output = result.InvocationConfiguration.Output;
        try
        {
            return body(output);
        }
        catch (UsageException e)
        {
            error.WriteLine($"passage: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is CliException or TopologyException or HostInventoryException or HostDeviceException)
        {
            error.WriteLine($"passage: {e.Message}");
            return 1;
        }
    }
}
