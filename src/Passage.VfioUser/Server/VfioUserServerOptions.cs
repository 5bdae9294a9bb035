using Passage.VfioUser.Protocol;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Server;

/// <summary>How a <see cref="VfioUserServer"/> listens, what it offers and how long it waits.</summary>
public sealed record VfioUserServerOptions
{
    /// <summary>The defaults.</summary>
    public static VfioUserServerOptions Default { get; } = new();

    /// <summary>The socket file's mode (0600 by default: only the owner connects).</summary>
    public UnixFileMode SocketMode { get; init; } = UnixListener.DefaultMode;

    /// <summary>Where the server's log lines go (connections, refusals, disconnections, failures); nowhere when null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The <c>max_dma_maps</c> the server offers: the most windows one client may hold.</summary>
    public ulong MaxDmaMaps { get; init; } = VersionCapabilities.DefaultMaxDmaMaps;

    /// <summary>How long a DMA_READ / DMA_WRITE waits for the client's reply before the client counts as unresponsive and is disconnected.</summary>
    public TimeSpan DmaTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a refused connection may take to send its first message before it is simply closed.</summary>
    public TimeSpan RefusalTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a new connection waits for the previous client's teardown to finish before it is refused.</summary>
    public TimeSpan TeardownWait { get; init; } = TimeSpan.FromSeconds(5);
}
