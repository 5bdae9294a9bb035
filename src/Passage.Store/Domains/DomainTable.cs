using Passage.Store.Persistence;

namespace Passage.Store.Domains;

/// <summary>
/// The introduced domains (INTRODUCE/RELEASE, store.md §2) and the SET_TARGET links that let a
/// stub domain act for its guest. Dom0 is always introduced and never listed.
/// </summary>
internal sealed class DomainTable
{
    /// <summary>First domain id Xen reserves (<c>DOMID_FIRST_RESERVED</c>); INTRODUCE refuses it and above.</summary>
    public const int FirstReserved = 0x7FF0;

    private readonly SortedDictionary<int, IntroducedDomain> _introduced = [];
    private readonly Dictionary<int, int> _targets = [];

    /// <summary>True for dom0 and for introduced domains.</summary>
    public bool IsIntroduced(int domainId) => domainId == 0 || _introduced.ContainsKey(domainId);

    /// <summary>The introduced domains (dom0 excluded), by id.</summary>
    public IReadOnlyList<IntroducedDomain> Snapshot() => [.. _introduced.Values];

    /// <summary>Registers a domain; false when it was introduced already.</summary>
    public bool Introduce(IntroducedDomain domain) => _introduced.TryAdd(domain.DomainId, domain);

    /// <summary>Forgets a domain and every target link naming it.</summary>
    public bool Release(int domainId)
    {
        if (!_introduced.Remove(domainId))
        {
            return false;
        }

        _targets.Remove(domainId);
        List<int>? stale = null;
        foreach (KeyValuePair<int, int> link in _targets)
        {
            if (link.Value == domainId)
            {
                (stale ??= []).Add(link.Key);
            }
        }

        stale?.ForEach(d => _targets.Remove(d));
        return true;
    }

    /// <summary>Lets <paramref name="domainId"/> act for <paramref name="targetId"/>.</summary>
    public void SetTarget(int domainId, int targetId) => _targets[domainId] = targetId;

    /// <summary>The domain <paramref name="domainId"/> acts for, -1 for none.</summary>
    public int TargetOf(int domainId) => _targets.TryGetValue(domainId, out int target) ? target : -1;
}
