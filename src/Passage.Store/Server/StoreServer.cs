using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Passage.Store.Server;

/// <summary>
/// The store's wire server (store.md §1): Kestrel on a Unix socket, every socket connection
/// speaking as privileged dom0, plus in-process connections speaking as any domain (simulated
/// frontends, permission tests). Each connection is served by its own loop; one that misbehaves,
/// fails or stops reading is closed alone.
/// </summary>
public sealed class StoreServer : IAsyncDisposable
{
    private readonly IStoreService _service;
    private readonly StoreServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private IHost? _host;
    private long _connectionNumber;
    private int _stopped;

    private StoreServer(IStoreService service, string socketPath, StoreServerOptions options, ILoggerFactory loggerFactory)
    {
        _service = service;
        SocketPath = socketPath;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<StoreServer>();
    }

    /// <summary>The socket file the server listens on.</summary>
    public string SocketPath { get; }

    /// <summary>Connections being served now, socket and in-process.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// Starts serving <paramref name="service"/> on a Unix socket at <paramref name="socketPath"/>:
    /// a stale socket file there is replaced, and the new one gets <see cref="StoreServerOptions.SocketMode"/>
    /// (0600) right after bind.
    /// </summary>
    /// <exception cref="IOException">Another server answers at the path, or it holds something other than a socket file.</exception>
    public static async Task<StoreServer> StartAsync(
        IStoreService service,
        string socketPath,
        StoreServerOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        options ??= new StoreServerOptions();
        loggerFactory ??= NullLoggerFactory.Instance;
        string path = Path.GetFullPath(socketPath);
        var server = new StoreServer(service, path, options, loggerFactory);

        SocketFile.RemoveStale(path);
        IHost host = new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton(loggerFactory);
                services.AddSingleton<IHostLifetime, QuietHostLifetime>();
                services.AddSingleton(new StoreConnectionHandler(server));
                services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
                services.Configure<SocketTransportOptions>(o =>
                {
                    o.MaxReadBufferSize = options.ConnectionBufferBytes;
                    o.MaxWriteBufferSize = options.ConnectionBufferBytes;
                });
            })
            .ConfigureWebHost(web => web
                .UseKestrelCore()
                .ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(path, listen => listen.UseConnectionHandler<StoreConnectionHandler>()))
                .Configure(_ => { }))
            .Build();

        try
        {
            await host.StartAsync(cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, options.SocketMode);
            }
        }
        catch
        {
            host.Dispose();
            throw;
        }

        server._host = host;
        ServerLog.Listening(server._logger, path);
        return server;
    }

    /// <summary>
    /// Opens an in-process connection speaking as <paramref name="domainId"/>, served by the same loop
    /// as socket connections; returns the client's end. Completing the client's output ends it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The server has stopped.</exception>
    public IDuplexPipe ConnectInProcess(int domainId)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) != 0, this);
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = DuplexPipe.CreatePair(_options.ConnectionBufferBytes);
        long number = Interlocked.Increment(ref _connectionNumber);
        var loop = new StoreConnectionLoop(_service, domainId, serverEnd, _ => { }, _options, _logger, $"in-process-{number}");
        Track(number, loop.RunAsync(_stopping.Token));
        return clientEnd;
    }

    /// <summary>
    /// Opens an in-process connection to <paramref name="service"/> speaking as <paramref name="domainId"/>
    /// without any socket server; returns the client's end. Completing the client's output ends it.
    /// </summary>
    public static IDuplexPipe ConnectInProcess(IStoreService service, int domainId, StoreServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        options ??= new StoreServerOptions();
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<StoreServer>();
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = DuplexPipe.CreatePair(options.ConnectionBufferBytes);
        var loop = new StoreConnectionLoop(service, domainId, serverEnd, _ => { }, options, logger, $"in-process-domain-{domainId}");
        _ = loop.RunAsync(CancellationToken.None);
        return clientEnd;
    }

    /// <summary>Serves one socket connection as dom0, for as long as it lives.</summary>
    internal async Task ServeSocketAsync(ConnectionContext connection)
    {
        long number = Interlocked.Increment(ref _connectionNumber);
        var loop = new StoreConnectionLoop(
            _service,
            0,
            connection.Transport,
            reason => connection.Abort(new ConnectionAbortedException(reason)),
            _options,
            _logger,
            connection.ConnectionId);
        Task served = loop.RunAsync(_stopping.Token);
        Track(number, served);
        await served;
    }

    /// <summary>Stops accepting, ends every connection and removes the socket file.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_connections.Values).WaitAsync(_options.ShutdownTimeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_host is not null)
        {
            await _host.StopAsync(cancellationToken);
            _host.Dispose();
            SocketFile.RemoveIfSocket(SocketPath);
        }

        ServerLog.Stopped(_logger, SocketPath);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private void Track(long number, Task served)
    {
        _connections[number] = served;
        served.ContinueWith(
            (_, state) => ((ConcurrentDictionary<long, Task>)state!).TryRemove(number, out Task? _),
            _connections,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
