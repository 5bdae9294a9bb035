using Passage.Store.Persistence;
using Passage.Store.Transactions;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    /// <summary>
    /// Applies a working set to the committed tree: every written node gets a fresh generation,
    /// deleted nodes go (kept as older versions while a transaction may read them), the whole
    /// change is appended as one change set, then the queued watch events fire. Returns the
    /// persistence ticket, 0 when nothing changed. Clears the set.
    /// </summary>
    private long Apply(WorkingSet changes, IReadOnlyList<IntroducedDomain>? domains = null)
    {
        bool keepOlder = _openSnapshots.Count > 0;
        List<PersistedNode>? upserts = null;
        List<string>? deletes = null;
        foreach (KeyValuePair<string, AccessedNode> entry in changes.Entries)
        {
            AccessedNode accessed = entry.Value;
            if (!accessed.Modified)
            {
                continue;
            }

            if (accessed.Current is { } node)
            {
                node.Generation = ++_generation;
                _tree.Install(node, keepOlder);
                (upserts ??= []).Add(node.ToPersisted());
            }
            else if (_tree.Head(entry.Key) is not null)
            {
                _tree.Remove(entry.Key, ++_generation, keepOlder);
                (deletes ??= []).Add(entry.Key);
            }
        }

        long ticket = 0;
        if (upserts is not null || deletes is not null || domains is not null)
        {
            ticket = _persistence.Append(new StoreChangeSet(upserts ?? [], deletes ?? [], _generation, domains));
        }

        foreach (Watches.PendingEvent pending in changes.Events)
        {
            Fire(pending);
        }

        changes.Clear();
        return ticket;
    }

    /// <summary>Drops the node versions no open transaction can read any more.</summary>
    private void PruneVersions() => _tree.Prune(_openSnapshots.Count == 0 ? ulong.MaxValue : _openSnapshots.Min);
}
