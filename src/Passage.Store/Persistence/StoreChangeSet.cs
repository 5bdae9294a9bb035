namespace Passage.Store.Persistence;

/// <summary>
/// One atomic change to the committed state: a non-transactional request or a transaction's
/// commit. Nodes in <see cref="Upserts"/> replace their stored rows whole (a parent whose child
/// list changed is among them); <see cref="Deletes"/> names every removed path, subtrees spelled
/// out; <see cref="Generation"/> is the global counter after the change; <see cref="Domains"/> is
/// the whole introduced-domain set when it changed, else null.
/// </summary>
public sealed record StoreChangeSet(IReadOnlyList<PersistedNode> Upserts, IReadOnlyList<string> Deletes, ulong Generation, IReadOnlyList<IntroducedDomain>? Domains = null);
