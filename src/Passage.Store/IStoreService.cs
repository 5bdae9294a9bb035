namespace Passage.Store;

/// <summary>The store as a server sees it: it opens connections and says when a change is durable.</summary>
public interface IStoreService
{
    /// <summary>Opens a connection speaking for <paramref name="domainId"/>; its watch events go to <paramref name="events"/>.</summary>
    IStoreSession Open(int domainId, IWatchEventSink events);

    /// <summary>Completes when the change behind <paramref name="ticket"/> (from <see cref="IStoreSession.Handle"/>) is durable.</summary>
    ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default);
}
