namespace Passage.Vpci.Bars;

/// <summary>
/// Part of a BAR that is never mapped straight through but served by emulation (the 4 KiB pages
/// holding the MSI-X table or PBA, vpci.md §7.9).
/// </summary>
/// <param name="Bar">BAR index.</param>
/// <param name="Offset">Start within the BAR (page aligned).</param>
/// <param name="Length">Length in bytes (whole pages, clipped to the BAR).</param>
/// <param name="Target">The emulation; it sees BAR offsets.</param>
internal sealed record BarTrap(int Bar, ulong Offset, ulong Length, IBarTarget Target)
{
    /// <summary>One past the last byte.</summary>
    public ulong End => Offset + Length;
}
