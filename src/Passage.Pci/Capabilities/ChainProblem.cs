namespace Passage.Pci.Capabilities;

/// <summary>Why a capability list walk stopped early.</summary>
public enum ChainProblemKind
{
    /// <summary>A next pointer revisits an entry already walked.</summary>
    Loop,

    /// <summary>A standard pointer points into the 64-byte header, or an extended one below 0x100.</summary>
    PointerIntoHeader,

    /// <summary>The list continues beyond the captured bytes.</summary>
    Truncated,

    /// <summary>More entries than the list can hold (48 standard).</summary>
    TooManyEntries,

    /// <summary>An entry reads all ones (the function stopped answering).</summary>
    AllOnes,
}

/// <summary>A defect found while walking a capability list; the walk stops there and reports it.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Extended">Whether the extended list is affected.</param>
/// <param name="Offset">The offending pointer or entry offset.</param>
/// <param name="Message">One human sentence.</param>
public sealed record ChainProblem(ChainProblemKind Kind, bool Extended, int Offset, string Message)
{
    /// <summary>Stable kebab-case code for scripts.</summary>
    public string Code => Kind switch
    {
        ChainProblemKind.Loop => "chain-loop",
        ChainProblemKind.PointerIntoHeader => "chain-pointer-into-header",
        ChainProblemKind.Truncated => "chain-truncated",
        ChainProblemKind.TooManyEntries => "chain-too-long",
        _ => "chain-all-ones",
    };
}
