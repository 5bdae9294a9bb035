namespace Passage.Vpci.Config;

/// <summary>Outcome of adding or removing registers (vpci.md §2.2).</summary>
public enum DispatcherResult
{
    /// <summary>Done.</summary>
    Ok,

    /// <summary>Bad size, offset, alignment, hooks or masks.</summary>
    InvalidArgument,

    /// <summary>The register overlaps one already present.</summary>
    AlreadyExists,

    /// <summary>A removal range cuts a register in part.</summary>
    RangeError,
}
