using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim;

namespace Passage.Cli.Pci;

/// <summary>Turns the <c>--host</c> option into an inventory: <c>sysfs</c>, <c>sysfs:ROOT</c> or <c>sim:FILE</c>.</summary>
internal static class HostSelection
{
    public const string Help = "Host to inspect: 'sysfs' (this machine), 'sysfs:DIR' (a sysfs tree rooted at DIR) or 'sim:FILE' (a simulated host topology). Default: sysfs when /sys/bus/pci/devices has functions, else the bundled hosts/lab.json.";

    /// <summary>The bundled simulated host, copied next to the CLI at build time.</summary>
    public static string BundledLab => Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json");

    /// <summary>Loads the inventory; <paramref name="notice"/> receives a line when the default falls back to the simulated host.</summary>
    /// <exception cref="UsageException">The option's value is not one of the accepted forms.</exception>
    public static HostInventory Load(string? host, TextWriter notice, string sysfsRoot = "/sys") => Read(Resolve(host, notice, sysfsRoot));

    /// <summary>Reads the inventory <paramref name="source"/> names.</summary>
    public static HostInventory Read(HostSource source) =>
        source.Simulated ? SimulatedHost.Load(source.Path) : new SysfsHostReader(source.Path).Read();

    /// <summary>
    /// Says where <paramref name="host"/> points without reading it; <paramref name="notice"/>
    /// receives a line when the default falls back to the simulated host.
    /// </summary>
    /// <exception cref="UsageException">The option's value is not one of the accepted forms.</exception>
    public static HostSource Resolve(string? host, TextWriter notice, string sysfsRoot = "/sys")
    {
        if (string.IsNullOrEmpty(host))
        {
            if (new SysfsHostReader(sysfsRoot).HasPciDevices)
            {
                return new HostSource(Simulated: false, sysfsRoot);
            }

            notice.WriteLine($"passage: {Path.Combine(sysfsRoot, "bus/pci/devices")} lists no PCI functions; showing the simulated host hosts/lab.json");
            return new HostSource(Simulated: true, BundledLab);
        }

        return ResolveExplicit(host, sysfsRoot)
            ?? throw new UsageException($"--host '{host}' is not 'sysfs', 'sysfs:DIR' or 'sim:FILE'");
    }

    /// <summary>The source an explicit <c>--host</c> value names, or null when it is malformed.</summary>
    private static HostSource? ResolveExplicit(string host, string sysfsRoot)
    {
        if (host == "sysfs")
        {
            return new HostSource(Simulated: false, sysfsRoot);
        }

        if (host.StartsWith("sysfs:", StringComparison.Ordinal) && host.Length > "sysfs:".Length)
        {
            return new HostSource(Simulated: false, host["sysfs:".Length..]);
        }

        return host.StartsWith("sim:", StringComparison.Ordinal) && host.Length > "sim:".Length
            ? new HostSource(Simulated: true, host["sim:".Length..])
            : null;
    }
}
