using Passage.Store.Persistence;

namespace Passage.Store.Tests.Support;

/// <summary>An in-memory persistence that keeps every change set with its ticket and can replay them into an image.</summary>
internal sealed class RecordingPersistence : IStorePersistence
{
    private readonly StoreImage _image;

    public RecordingPersistence(StoreImage? image = null)
    {
        _image = image ?? StoreImage.Empty;
    }

    public List<(long Ticket, StoreChangeSet Changes)> Appended { get; } = [];

    public bool Disposed { get; private set; }

    public StoreImage Load() => _image;

    public long Append(StoreChangeSet changes)
    {
        long ticket = Appended.Count + 1;
        Appended.Add((ticket, changes));
        return ticket;
    }

    public ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default)
    {
        Assert.InRange(ticket, 1, Appended.Count);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => Disposed = true;

    /// <summary>The last change set appended.</summary>
    public StoreChangeSet Last => Appended[^1].Changes;

    /// <summary>Replays the loaded image and every change set, as a database applying them would.</summary>
    public StoreImage Replay()
    {
        var nodes = new Dictionary<string, PersistedNode>(StringComparer.Ordinal);
        foreach (PersistedNode node in _image.Nodes)
        {
            nodes[node.Path] = node;
        }

        ulong generation = _image.Generation;
        IReadOnlyList<IntroducedDomain> domains = _image.Domains;
        foreach ((_, StoreChangeSet changes) in Appended)
        {
            foreach (string path in changes.Deletes)
            {
                Assert.True(nodes.Remove(path), $"deleted {path} which was not stored");
            }

            foreach (PersistedNode node in changes.Upserts)
            {
                nodes[node.Path] = node;
            }

            Assert.True(changes.Generation >= generation, "generation went back");
            generation = changes.Generation;
            domains = changes.Domains ?? domains;
        }

        return new StoreImage([.. nodes.Values], generation, domains);
    }
}
