namespace Passage.Pci.Decoding;

/// <summary>One function's configuration space as read from a dump file.</summary>
/// <param name="Address">The function's address, when the dump names it (lspci header line).</param>
/// <param name="Title">The rest of the header line (class and device description), when present.</param>
/// <param name="Config">The captured bytes (64, 256 or 4096).</param>
public sealed record ConfigDump(PciAddress? Address, string? Title, ConfigSpace Config);
