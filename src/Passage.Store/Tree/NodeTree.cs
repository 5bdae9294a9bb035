using Passage.Store.Quotas;

namespace Passage.Store.Tree;

/// <summary>
/// The committed tree: the newest version of every node by path, and per path the older versions
/// (and tombstones of deletions) that open transactions started before a change may still read.
/// <see cref="Prune"/> drops what no open transaction can see, so memory stays bounded.
/// </summary>
internal sealed class NodeTree
{
    private readonly Dictionary<string, Node> _heads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly HashSet<string> _versioned = new(StringComparer.Ordinal);

    public NodeTree()
    {
        _lookup = _heads.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Nodes owned per domain, over the newest versions.</summary>
    public OwnerNodeCounts Owners { get; } = new();

    /// <summary>Number of live nodes.</summary>
    public int Count { get; private set; }

    /// <summary>Paths holding older versions or tombstones (what <see cref="Prune"/> looks at).</summary>
    public int VersionedPaths => _versioned.Count;

    /// <summary>Older versions and tombstones held for open transactions, all paths together.</summary>
    public int RetainedVersions
    {
        get
        {
            int retained = 0;
            foreach (string path in _versioned)
            {
                Node head = _heads[path];
                retained += head.IsTombstone ? 1 : 0;
                for (Node? older = head.Older; older is not null; older = older.Older)
                {
                    retained++;
                }
            }

            return retained;
        }
    }

    /// <summary>The live nodes (newest versions), in no particular order.</summary>
    public IEnumerable<Node> Nodes
    {
        get
        {
            foreach (Node node in _heads.Values)
            {
                if (!node.IsTombstone)
                {
                    yield return node;
                }
            }
        }
    }

    /// <summary>The newest version of a node, null when it does not exist.</summary>
    public Node? Head(ReadOnlySpan<char> path) =>
        _lookup.TryGetValue(path, out Node? node) && !node.IsTombstone ? node : null;

    /// <summary>The version a transaction that started at <paramref name="snapshot"/> sees, null when the node did not exist then.</summary>
    public Node? At(ReadOnlySpan<char> path, ulong snapshot)
    {
        if (!_lookup.TryGetValue(path, out Node? node))
        {
            return null;
        }

        for (Node? version = node; version is not null; version = version.Older)
        {
            if (version.Generation <= snapshot)
            {
                return version.IsTombstone ? null : version;
            }
        }

        return null;
    }

    /// <summary>Makes <paramref name="node"/> (already stamped) the newest version of its path; keeps the replaced one when a transaction may read it.</summary>
    public void Install(Node node, bool keepOlder)
    {
        if (_heads.TryGetValue(node.Path, out Node? old))
        {
            if (!old.IsTombstone)
            {
                Owners.Add(old.Owner, -1);
                Count--;
            }

            node.Older = keepOlder ? old : null;
        }

        _heads[node.Path] = node;
        Owners.Add(node.Owner, 1);
        Count++;
        if (node.Older is not null)
        {
            _versioned.Add(node.Path);
        }
    }

    /// <summary>Deletes the node at <paramref name="path"/> at <paramref name="generation"/>; leaves a tombstone when a transaction may read the old version.</summary>
    public void Remove(string path, ulong generation, bool keepOlder)
    {
        if (!_heads.TryGetValue(path, out Node? old) || old.IsTombstone)
        {
            return;
        }

        Owners.Add(old.Owner, -1);
        Count--;
        if (keepOlder)
        {
            Node tombstone = Node.Tombstone(path, generation);
            tombstone.Older = old;
            _heads[path] = tombstone;
            _versioned.Add(path);
        }
        else
        {
            _heads.Remove(path);
        }
    }

    /// <summary>
    /// Drops every version no transaction started at or after <paramref name="oldestSnapshot"/>
    /// can read (<see cref="ulong.MaxValue"/> when none is open): per path the newest version at
    /// or before that snapshot is the oldest one kept.
    /// </summary>
    public void Prune(ulong oldestSnapshot)
    {
        if (_versioned.Count == 0)
        {
            return;
        }

        List<string>? settled = null;
        foreach (string path in _versioned)
        {
            Node head = _heads[path];
            Node? version = head;
            while (version is not null && version.Generation > oldestSnapshot)
            {
                version = version.Older;
            }

            if (version is not null)
            {
                version.Older = null;
            }

            if (head.Older is null)
            {
                if (head.IsTombstone)
                {
                    _heads.Remove(path);
                }

                (settled ??= []).Add(path);
            }
        }

        if (settled is not null)
        {
            foreach (string path in settled)
            {
                _versioned.Remove(path);
            }
        }
    }
}
