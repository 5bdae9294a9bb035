using System.Collections.Concurrent;
using System.Net.Sockets;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Qtest;

/// <summary>
/// Serves the qtest-style protocol (<see cref="QtestSession"/>) on a Unix stream socket: one
/// session per connection, all on the one machine, every LAPIC message reported to every
/// connection. A client that sends garbage gets <c>ERR</c> lines; one that sends a line over
/// <see cref="MaxLineBytes"/> or leaves <see cref="QueueLines"/> answers unread is closed; neither
/// disturbs the others.
/// </summary>
public sealed class QtestServer : IDisposable
{
    /// <summary>Longest line a client may send, newline excluded.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Lines queued for a client before it counts as not reading and is closed.</summary>
    public const int QueueLines = 4096;

    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(100);

    private readonly VirtualMachine _machine;
    private readonly Action<string>? _log;
    private readonly ConcurrentDictionary<QtestConnection, Task?> _connections = new();
    private Socket? _listener;
    private int _running;

    /// <summary>A server for <paramref name="machine"/> at <paramref name="socketPath"/>; <paramref name="log"/> receives one line per notable event (a client closed for misbehaving, accept errors).</summary>
    public QtestServer(VirtualMachine machine, string socketPath, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentException.ThrowIfNullOrWhiteSpace(socketPath);
        _machine = machine;
        SocketPath = socketPath;
        _log = log;
    }

    /// <summary>Where the socket lives.</summary>
    public string SocketPath { get; }

    /// <summary>Clients connected now.</summary>
    public int Connections => _connections.Count;

    /// <summary>
    /// Binds and listens (0600): a stale socket file is deleted first, but not one a live server
    /// answers on. Idempotent.
    /// </summary>
    /// <exception cref="IOException">Another server listens at the path.</exception>
    /// <exception cref="SocketException">The socket cannot be bound.</exception>
    public void Start()
    {
        if (_listener is not null)
        {
            return;
        }

        if (File.Exists(SocketPath))
        {
            if (Answers(SocketPath))
            {
                throw new IOException($"{SocketPath}: another server is listening there");
            }

            File.Delete(SocketPath);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
    }

    /// <summary>
    /// Accepts clients until <paramref name="cancellationToken"/> fires (starting first if needed),
    /// then closes every connection, waits for them, and removes the socket file.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is already running.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("the qtest server is already running");
        }

        Start();
        Socket listener = _listener!;
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (!closing.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(closing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException && Volatile.Read(ref _listener) is null)
                {
                    // Disposed while accepting: a stop like cancellation.
                    break;
                }
                catch (SocketException e) when (IsResourcePressure(e.SocketErrorCode))
                {
                    _log?.Invoke($"qtest server: cannot accept ({e.Message}); backing off");
                    await Task.Delay(AcceptBackoff, closing.Token).ConfigureAwait(false);
                    continue;
                }
                catch (SocketException e) when (IsTransient(e.SocketErrorCode))
                {
                    _log?.Invoke($"qtest server: a client vanished while connecting ({e.Message})");
                    continue;
                }

                Serve(client, closing.Token);
            }
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            // Stopped during a back-off.
        }
        finally
        {
            await closing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_connections.Values.OfType<Task>()).ConfigureAwait(false);
            Stop();
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Closes the listener and removes the socket file (connections end with <see cref="RunAsync"/>'s cancellation).</summary>
    public void Dispose() => Stop();

    private void Serve(Socket client, CancellationToken cancellationToken)
    {
        var connection = new QtestConnection(client, _machine, MaxLineBytes, QueueLines, _log);
        // Registered before it starts, so a connection that ends at once is still forgotten.
        _connections[connection] = null;
        Task task = Task.Run(
            async () =>
            {
                try
                {
                    await connection.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    connection.Dispose();
                }
            },
            CancellationToken.None);
        _connections.TryUpdate(connection, task, null);
    }

    private void Stop()
    {
        Socket? listener = Interlocked.Exchange(ref _listener, null);
        if (listener is null)
        {
            return;
        }

        listener.Dispose();
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
            // Someone else's file by now, or already gone.
        }
    }

    private static bool Answers(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsResourcePressure(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    private static bool IsTransient(SocketError error) =>
        error is SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.Interrupted or SocketError.TryAgain;
}
