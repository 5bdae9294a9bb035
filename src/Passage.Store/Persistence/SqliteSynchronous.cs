namespace Passage.Store.Persistence;

/// <summary>
/// How hard a commit of <see cref="SqlitePersistence"/> presses its data to the disk (SQLite's
/// <c>PRAGMA synchronous</c>, in WAL mode).
/// </summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// A commit returns once it is written to the write-ahead log in the OS page cache. A killed
    /// process (SIGKILL, a crash) loses nothing acknowledged and never shows part of a commit;
    /// a power loss or kernel crash may roll back the last commits (never corrupting the
    /// database). No fsync per commit: the default.
    /// </summary>
    Normal,

    /// <summary>
    /// A commit also fsyncs the write-ahead log before it returns, so acknowledged writes survive
    /// power loss too, at the cost of one fsync per batch.
    /// </summary>
    Full,
}
