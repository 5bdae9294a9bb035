namespace Passage.Host.Inventory;

/// <summary>A range of device registers inside a BAR, known from a capability or a device model.</summary>
/// <param name="Bar">BAR index.</param>
/// <param name="Offset">Offset within the BAR.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Name">What lives there (e.g. <c>virtio common config</c>, <c>control registers</c>).</param>
public sealed record RegisterRange(int Bar, ulong Offset, ulong Length, string Name)
{
    /// <summary>Whether this range and [<paramref name="start"/>, <paramref name="end"/>) in the same BAR overlap.</summary>
    public bool Overlaps(int bar, ulong start, ulong end) => Bar == bar && Length > 0 && Offset < end && start < Offset + Length;
}
