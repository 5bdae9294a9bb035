namespace Passage.Vpci.Config;

/// <summary>Reads a whole register; always called with the register's own offset.</summary>
public delegate uint RegisterReadHook(int offset, object? context);

/// <summary>Receives a whole merged register value.</summary>
public delegate void RegisterWriteHook(int offset, uint value, object? context);

/// <summary>
/// One naturally aligned register of a virtual config space (vpci.md §2.2): its hooks, the
/// context passed to both, and its read-only, write-1-to-clear and reserved masks.
/// </summary>
public sealed record RegisterDescriptor
{
    /// <summary>Offset in config space.</summary>
    public required int Offset { get; init; }

    /// <summary>Size: 1, 2 or 4 bytes.</summary>
    public required int Size { get; init; }

    /// <summary>Read hook; null reads all ones.</summary>
    public RegisterReadHook? Read { get; init; }

    /// <summary>Write hook; null ignores writes.</summary>
    public RegisterWriteHook? Write { get; init; }

    /// <summary>
    /// Reads the value the write-merge keeps (§2.4): the bytes a partial write does not cover and
    /// the RsvdP bits. Null uses <see cref="Read"/>; a register whose reads show bits it does not
    /// store sets it, so that a write keeps what is stored rather than what is shown.
    /// </summary>
    public RegisterReadHook? Stored { get; init; }

    /// <summary>Object passed to both hooks.</summary>
    public object? Context { get; init; }

    /// <summary>Read-only bits: writes keep their value.</summary>
    public uint ReadOnly { get; init; }

    /// <summary>Write-1-to-clear bits: reach the hook as written; 0 in unwritten bytes.</summary>
    public uint WriteOneToClear { get; init; }

    /// <summary>Reserved-preserve bits: read 0, writes keep the hidden value.</summary>
    public uint ReservedPreserve { get; init; }

    /// <summary>Reserved-zero bits: read 0 and reach the hook as 0.</summary>
    public uint ReservedZero { get; init; }

    /// <summary>One past the last byte.</summary>
    public int End => Offset + Size;
}
