namespace Passage.Store.Quotas;

/// <summary>How many committed nodes each domain owns (the node quota of store.md §8 counts these).</summary>
internal sealed class OwnerNodeCounts
{
    private readonly Dictionary<int, int> _counts = [];

    /// <summary>Nodes owned by <paramref name="domainId"/>.</summary>
    public int this[int domainId] => _counts.GetValueOrDefault(domainId);

    /// <summary>Every domain that owns at least one node.</summary>
    public IEnumerable<KeyValuePair<int, int>> All => _counts;

    /// <summary>Adds <paramref name="delta"/> to the count of <paramref name="domainId"/>.</summary>
    public void Add(int domainId, int delta)
    {
        int count = _counts.GetValueOrDefault(domainId) + delta;
        if (count == 0)
        {
            _counts.Remove(domainId);
        }
        else
        {
            _counts[domainId] = count;
        }
    }
}
