namespace Passage.Store.Server;

/// <summary>Limits of the store's wire server.</summary>
public sealed class StoreServerOptions
{
    /// <summary>
    /// Watch-event bytes a connection may have waiting for its socket (1 MiB by default: about 250
    /// events of the largest size, tens of thousands of typical ones). A watcher that stops reading
    /// while events keep firing passes it and is disconnected, so it cannot grow the server's memory
    /// without limit.
    /// </summary>
    public int MaxQueuedEventBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Bytes buffered per direction of a connection before the writer waits (64 KiB by default): the
    /// pipe thresholds that make a client which does not read hold up only its own connection.
    /// </summary>
    public int ConnectionBufferBytes { get; init; } = 64 * 1024;

    /// <summary>How long stopping waits for connections to end before they are cut off.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The socket file's mode, set right after bind (0600: only the owner, normally root, connects as dom0).</summary>
    public UnixFileMode SocketMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
