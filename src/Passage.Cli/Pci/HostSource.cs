namespace Passage.Cli.Pci;

/// <summary>Where a <c>--host</c> option points: a sysfs tree or a simulated topology file.</summary>
/// <param name="Simulated">True for a topology file, false for a sysfs tree.</param>
/// <param name="Path">The sysfs root or the topology file.</param>
internal sealed record HostSource(bool Simulated, string Path);
