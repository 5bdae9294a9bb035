namespace Passage.Store.Persistence;

/// <summary>
/// Where committed store state lives (store.md §10). The engine calls <see cref="Append"/> in
/// commit order under its own lock and answers the request only after
/// <see cref="WaitDurableAsync"/> for the returned ticket completes, so an acknowledged write
/// survives a killed process. Implementations batch appends into few database transactions.
/// </summary>
public interface IStorePersistence : IDisposable
{
    /// <summary>Reads the committed state; <see cref="StoreImage.Empty"/> for a new store.</summary>
    StoreImage Load();

    /// <summary>Queues one change set to be made durable atomically; returns its ticket (increasing from 1). Never blocks on I/O.</summary>
    long Append(StoreChangeSet changes);

    /// <summary>Completes when every change set up to <paramref name="ticket"/> is durable; faults when persisting failed.</summary>
    ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default);
}
