namespace Passage.Vpci.Qtest;

/// <summary>One parsed protocol line.</summary>
/// <param name="Kind">The verb.</param>
/// <param name="Address">Memory address, port, or nanoseconds for <c>clock_step</c>.</param>
/// <param name="Size">Access width in bytes (1, 2, 4, 8), or the byte count of <c>read</c>/<c>write</c>.</param>
/// <param name="Value">Value written by <c>write*</c>/<c>out*</c>.</param>
/// <param name="Bytes">Bytes of a <c>write ADDR SIZE 0x…</c>.</param>
public sealed record QtestCommand(QtestCommandKind Kind, ulong Address, int Size, ulong Value = 0, byte[]? Bytes = null);
