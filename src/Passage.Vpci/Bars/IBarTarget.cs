namespace Passage.Vpci.Bars;

/// <summary>What serves part of a BAR on the guest's bus; it sees offsets within the BAR.</summary>
internal interface IBarTarget
{
    /// <summary>Reads <paramref name="data"/>.Length bytes at <paramref name="barOffset"/>.</summary>
    void Read(ulong barOffset, Span<byte> data);

    /// <summary>Writes <paramref name="data"/> at <paramref name="barOffset"/>.</summary>
    void Write(ulong barOffset, ReadOnlySpan<byte> data);
}
