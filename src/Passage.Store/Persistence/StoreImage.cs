namespace Passage.Store.Persistence;

/// <summary>
/// The committed state a store starts from: every node, the global generation counter and the
/// introduced domains. An empty image (no nodes) means a new store.
/// </summary>
public sealed record StoreImage(IReadOnlyList<PersistedNode> Nodes, ulong Generation, IReadOnlyList<IntroducedDomain> Domains)
{
    /// <summary>A store that has never committed anything.</summary>
    public static StoreImage Empty { get; } = new([], 0, []);
}
