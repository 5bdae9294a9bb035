namespace Passage.Store.Persistence;

/// <summary>Settings of <see cref="SqlitePersistence"/>.</summary>
public sealed class SqlitePersistenceOptions
{
    /// <summary>The durability level of a commit; <see cref="SqliteSynchronous.Normal"/> unless set.</summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Normal;

    /// <summary>Largest database size in pages (SQLite's <c>max_page_count</c>); a write beyond it fails as a full disk does. Null keeps SQLite's limit.</summary>
    internal long? MaxPageCount { get; init; }

    /// <summary>How long the writer waits for the clients of its last batch to queue again before committing (group commit under load).</summary>
    internal TimeSpan GatherWindow { get; init; } = TimeSpan.FromMicroseconds(200);

    /// <summary>When set, the writer waits for it after waking and before taking the queued change sets, so tests can queue several sets for one batch.</summary>
    internal ManualResetEventSlim? WriterHold { get; init; }
}
