namespace Passage.Host.Inventory;

/// <summary>Whether a function can be passed through, with every reason that applies.</summary>
/// <param name="Reasons">All reasons, blocking ones first.</param>
public sealed record AssignabilityVerdict(IReadOnlyList<VerdictReason> Reasons)
{
    /// <summary>True when no reason blocks assignment.</summary>
    public bool Assignable => Reasons.All(r => !r.Blocking);

    /// <summary>The codes of all reasons, in order.</summary>
    public IReadOnlyList<string> Codes => Reasons.Select(r => r.Code).ToList();
}
