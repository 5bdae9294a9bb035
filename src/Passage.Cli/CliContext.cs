using System.CommandLine;
using Passage.Cli.Pci;
using Passage.Host.Inventory;
using Passage.Host.Sim;

namespace Passage.Cli;

/// <summary>What every command shares: the error writer, the sysfs root, names, and the one error policy.</summary>
internal sealed class CliContext(TextWriter error, string sysfsRoot)
{
    private NameResolver? _names;

    public TextWriter Error => error;

    public string SysfsRoot => sysfsRoot;

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
        catch (Exception e) when (e is CliException or TopologyException or HostInventoryException)
        {
            error.WriteLine($"passage: {e.Message}");
            return 1;
        }
    }
}
