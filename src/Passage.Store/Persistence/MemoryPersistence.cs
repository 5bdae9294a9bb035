namespace Passage.Store.Persistence;

/// <summary>No durability: the in-memory mode for tests and benchmarks (<c>--memory</c>). Every ticket is durable at once.</summary>
public sealed class MemoryPersistence : IStorePersistence
{
    private long _ticket;

    /// <inheritdoc/>
    public StoreImage Load() => StoreImage.Empty;

    /// <inheritdoc/>
    public long Append(StoreChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return Interlocked.Increment(ref _ticket);
    }

    /// <inheritdoc/>
    public ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
