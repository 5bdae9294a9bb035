using Passage.Store.Tree;

namespace Passage.Store.Transactions;

/// <summary>
/// A node a working set has touched (store.md §7.2): the generation it had when first seen (0 =
/// missing, "no generation"), and the working copy — the seen version until written, then the
/// private copy (null when deleted).
/// </summary>
internal sealed class AccessedNode
{
    public AccessedNode(ulong recordedGeneration, Node? current)
    {
        RecordedGeneration = recordedGeneration;
        Current = current;
    }

    /// <summary>The generation first seen; 0 when the node was missing.</summary>
    public ulong RecordedGeneration { get; }

    /// <summary>The node as the working set sees it now; null when missing or deleted.</summary>
    public Node? Current { get; set; }

    /// <summary>True once written or deleted.</summary>
    public bool Modified { get; set; }
}
