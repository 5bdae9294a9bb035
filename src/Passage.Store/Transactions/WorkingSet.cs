using Passage.Store.Tree;
using Passage.Store.Watches;

namespace Passage.Store.Transactions;

/// <summary>
/// The nodes one change touches, over the committed tree as of a snapshot: a transaction's
/// accessed set with its private copies, or the scratch set a single request is staged in before
/// it is applied. Every write is preceded by a <see cref="TryGet"/> of the same path (a write reads
/// first), so every touched node carries the generation it was seen with.
/// </summary>
internal sealed class WorkingSet
{
    private readonly NodeTree _tree;
    private readonly Dictionary<string, AccessedNode> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccessedNode>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<int, int> _ownerDelta = [];
    private readonly HashSet<string> _eventPaths = new(StringComparer.Ordinal);

    /// <param name="tree">The committed tree.</param>
    /// <param name="snapshot">The generation reads see (<see cref="ulong.MaxValue"/>: the newest).</param>
    /// <param name="nodeLimit">How many nodes may be touched before <see cref="TryGet"/> fails.</param>
    public WorkingSet(NodeTree tree, ulong snapshot, int nodeLimit)
    {
        _tree = tree;
        Snapshot = snapshot;
        NodeLimit = nodeLimit;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The generation this set reads the committed tree at.</summary>
    public ulong Snapshot { get; }

    /// <summary>The per-transaction node quota (int.MaxValue when none applies).</summary>
    public int NodeLimit { get; set; }

    /// <summary>Every touched node by path, in first-touch order.</summary>
    public Dictionary<string, AccessedNode> Entries => _entries;

    /// <summary>The watch events to fire once the set is applied, one per changed path.</summary>
    public List<PendingEvent> Events { get; } = [];

    /// <summary>True once a first touch was refused by <see cref="NodeLimit"/>; the owning transaction has failed.</summary>
    public bool QuotaExceeded { get; private set; }

    /// <summary>True when something was written or deleted.</summary>
    public bool HasChanges { get; private set; }

    /// <summary>
    /// Reads a node (null when missing) and records it with its generation on first touch; false
    /// when that first touch would pass <see cref="NodeLimit"/>.
    /// </summary>
    public bool TryGet(ReadOnlySpan<char> path, out Node? node)
    {
        if (_lookup.TryGetValue(path, out AccessedNode? entry))
        {
            node = entry.Current;
            return true;
        }

        if (_entries.Count >= NodeLimit)
        {
            node = null;
            QuotaExceeded = true;
            return false;
        }

        node = Committed(path);
        _entries.Add(node?.Path ?? new string(path), new AccessedNode(node?.Generation ?? 0, node));
        return true;
    }

    /// <summary>Reads a node as this set sees it without recording it (permission inheritance from ancestors).</summary>
    public Node? Peek(ReadOnlySpan<char> path) =>
        _lookup.TryGetValue(path, out AccessedNode? entry) ? entry.Current : Committed(path);

    /// <summary>Replaces the working copy of an already touched node.</summary>
    public void Put(Node node)
    {
        AccessedNode entry = _entries[node.Path];
        if (entry.Current is not null)
        {
            AddOwner(entry.Current.Owner, -1);
        }

        AddOwner(node.Owner, 1);
        entry.Current = node;
        entry.Modified = true;
        HasChanges = true;
    }

    /// <summary>Deletes the working copy of an already touched node.</summary>
    public void Delete(string path)
    {
        AccessedNode entry = _entries[path];
        if (entry.Current is not null)
        {
            AddOwner(entry.Current.Owner, -1);
        }

        entry.Current = null;
        entry.Modified = true;
        HasChanges = true;
    }

    /// <summary>Nodes <paramref name="domainId"/> owns as this set sees it.</summary>
    public int OwnedBy(int domainId) => _tree.Owners[domainId] + _ownerDelta.GetValueOrDefault(domainId);

    /// <summary>
    /// Queues a watch event; a path already queued is not queued again (one event per changed
    /// node), except that a removal replaces it so the watchers inside the removed subtree hear.
    /// </summary>
    public void AddEvent(PendingEvent pending)
    {
        if (_eventPaths.Add(pending.Path))
        {
            Events.Add(pending);
            return;
        }

        if (pending.RemovedBelow is not null)
        {
            int index = Events.FindIndex(e => e.Path == pending.Path);
            Events[index] = pending;
        }
    }

    /// <summary>
    /// True when every touched node still has the generation it was first seen with (C
    /// xenstored's commit check; a node that appeared or disappeared differs).
    /// </summary>
    public bool Unchanged()
    {
        foreach (KeyValuePair<string, AccessedNode> entry in _entries)
        {
            ulong now = _tree.Head(entry.Key)?.Generation ?? 0;
            if (now != entry.Value.RecordedGeneration)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Forgets everything (the scratch set is reused request after request).</summary>
    public void Clear()
    {
        // Clearing costs the capacity, not the count: shrink after a big change (a subtree RM,
        // a RELEASE) so every later request does not pay for it.
        bool shrink = _entries.Count > 64;
        _entries.Clear();
        _ownerDelta.Clear();
        _eventPaths.Clear();
        if (shrink)
        {
            _entries.TrimExcess();
            _eventPaths.TrimExcess();
        }

        Events.Clear();
        HasChanges = false;
        QuotaExceeded = false;
    }

    private Node? Committed(ReadOnlySpan<char> path) =>
        Snapshot == ulong.MaxValue ? _tree.Head(path) : _tree.At(path, Snapshot);

    private void AddOwner(int domainId, int delta) =>
        _ownerDelta[domainId] = _ownerDelta.GetValueOrDefault(domainId) + delta;
}
