using Passage.Store.Persistence;

namespace Passage.Fuzz.Targets;

/// <summary>
/// An in-memory persistence for <see cref="XenStoreTarget"/> that keeps what a durable store would
/// hold: it applies every change set to an image (deletes, then upserts, as the SQLite writer
/// does), so a second engine can be opened from what the first one committed and the two compared.
/// </summary>
internal sealed class XenStoreImagePersistence : IStorePersistence
{
    private readonly StoreImage _start;
    private readonly Dictionary<string, PersistedNode> _nodes = new(StringComparer.Ordinal);
    private IReadOnlyList<IntroducedDomain> _domains = [];
    private ulong _generation;
    private long _ticket;

    /// <summary>A persistence whose <see cref="Load"/> returns <paramref name="start"/> (empty for a new store).</summary>
    public XenStoreImagePersistence(StoreImage? start = null)
    {
        _start = start ?? StoreImage.Empty;
        foreach (PersistedNode node in _start.Nodes)
        {
            _nodes[node.Path] = node;
        }

        _domains = _start.Domains;
        _generation = _start.Generation;
    }

    /// <summary>The committed state as a store would reload it.</summary>
    public StoreImage Image => new([.. _nodes.Values], _generation, _domains);

    public StoreImage Load() => _start;

    public long Append(StoreChangeSet changes)
    {
        FuzzCheckException.That(changes.Generation >= _generation, $"a change set went back from generation {_generation} to {changes.Generation}");
        foreach (string path in changes.Deletes)
        {
            _nodes.Remove(path);
        }

        foreach (PersistedNode node in changes.Upserts)
        {
            _nodes[node.Path] = node;
        }

        _domains = changes.Domains ?? _domains;
        _generation = changes.Generation;
        return ++_ticket;
    }

    public ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void Dispose()
    {
    }
}
