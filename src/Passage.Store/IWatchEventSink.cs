namespace Passage.Store;

/// <summary>
/// Receives the watch events of one connection (store.md §6). The engine calls it while holding
/// its lock, possibly from another connection's thread: implementations copy what they need and
/// queue it, and never block.
/// </summary>
public interface IWatchEventSink
{
    /// <summary>A watch fired: <paramref name="path"/> is the changed path as the watcher sees it (relative for relative watches), <paramref name="token"/> the watch's token.</summary>
    void Deliver(ReadOnlySpan<byte> path, ReadOnlySpan<byte> token);
}
