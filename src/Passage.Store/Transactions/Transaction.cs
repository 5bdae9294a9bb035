using Passage.Store.Tree;

namespace Passage.Store.Transactions;

/// <summary>
/// An open transaction of one connection (store.md §7): its connection-local id, the generation it
/// started at (its snapshot) and its working set. A failed transaction (node quota passed) refuses
/// further requests and answers ENOMEM on commit.
/// </summary>
internal sealed class Transaction
{
    public Transaction(uint id, ulong startGeneration, NodeTree tree, int nodeLimit)
    {
        Id = id;
        StartGeneration = startGeneration;
        Changes = new WorkingSet(tree, startGeneration, nodeLimit);
    }

    /// <summary>The connection-local id (tx_id on the wire).</summary>
    public uint Id { get; }

    /// <summary>The generation taken at start; the transaction reads the tree as of it.</summary>
    public ulong StartGeneration { get; }

    /// <summary>Accessed nodes, private copies and queued events.</summary>
    public WorkingSet Changes { get; }

    /// <summary>True once a request passed the per-transaction node quota.</summary>
    public bool Failed => Changes.QuotaExceeded;
}
