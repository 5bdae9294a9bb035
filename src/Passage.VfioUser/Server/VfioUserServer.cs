using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Server;

/// <summary>
/// Exports one <see cref="IHostDevice"/> over a Unix socket with the vfio-user protocol
/// (vfio-user.md §10). <see cref="Start"/> binds the socket (mode 0600 by default, a stale socket
/// file replaced) and starts accepting on its own thread; one client is served at a time, by a
/// session with its own reader thread. A connection that arrives while a client is being served is
/// refused: its first message is answered with EBUSY and the connection closed, and the client
/// being served notices nothing. When a client goes its interrupts, eventfds, DMA windows and twin
/// socket are released, the device keeps its state, and the next client is accepted.
/// <see cref="Dispose"/> stops accepting, closes the current client, releases everything and removes
/// the socket file; the device itself stays the caller's. Device models reach the client's memory
/// through <see cref="IDmaAccess"/>.
/// </summary>
public sealed class VfioUserServer : IDmaAccess, IDisposable
{
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _refusals = [];
    private UnixListener? _listener;
    private Thread? _acceptThread;
    private ServerSession? _current;
    private int _sessions;
    private long _clientsServed;
    private long _clientsRefused;
    private long _messagesHandled;
    private bool _disposed;

    /// <summary>A server exporting <paramref name="device"/> on <paramref name="socketPath"/>; nothing is bound before <see cref="Start"/>.</summary>
    public VfioUserServer(IHostDevice device, string socketPath, VfioUserServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        Device = device;
        SocketPath = socketPath;
        Options = options ?? VfioUserServerOptions.Default;
    }

    /// <summary>A client negotiated VERSION (raised on its session's thread).</summary>
    public event EventHandler<VfioUserClientConnectedEventArgs>? ClientConnected;

    /// <summary>A connection was refused because another client is being served.</summary>
    public event EventHandler<VfioUserClientRefusedEventArgs>? ClientRefused;

    /// <summary>A client's session ended and what it held was released (raised on its session's thread).</summary>
    public event EventHandler<VfioUserClientDisconnectedEventArgs>? ClientDisconnected;

    /// <summary>The exported device.</summary>
    public IHostDevice Device { get; }

    /// <summary>The socket file clients connect to.</summary>
    public string SocketPath { get; }

    /// <summary>The server's options.</summary>
    public VfioUserServerOptions Options { get; }

    /// <summary>Clients that negotiated VERSION, over the server's life.</summary>
    public long ClientsServed => Interlocked.Read(ref _clientsServed);

    /// <summary>Connections refused because another client was being served.</summary>
    public long ClientsRefused => Interlocked.Read(ref _clientsRefused);

    /// <summary>Messages received from clients being served (commands, refused commands and DMA replies).</summary>
    public long MessagesHandled => Interlocked.Read(ref _messagesHandled);

    /// <summary>Whether a client is being served (connected and not yet torn down).</summary>
    public bool HasClient
    {
        get
        {
            lock (_lock)
            {
                return _current is { IsEnding: false };
            }
        }
    }

    /// <summary>The DMA windows the current client has mapped (empty without a client).</summary>
    public IReadOnlyList<VfioUserDmaWindow> DmaWindows => Current()?.DmaWindows ?? [];

    /// <summary>Binds the socket and starts accepting clients.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="TransportException">The socket cannot be bound (EADDRINUSE: another server listens there; EEXIST: something else is at the path).</exception>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listener is not null)
            {
                throw new InvalidOperationException($"the server on {SocketPath} is already started");
            }

            _listener = UnixListener.Bind(SocketPath, Options.SocketMode);
            _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "vfio-user accept" };
            _acceptThread.Start();
        }

        Log($"exporting the device on {SocketPath}");
    }

    /// <inheritdoc />
    public Errno ReadDma(ulong address, Span<byte> destination) => Current()?.ReadDma(address, destination) ?? Errno.ENODEV;

    /// <inheritdoc />
    public Errno WriteDma(ulong address, ReadOnlySpan<byte> source) => Current()?.WriteDma(address, source) ?? Errno.ENODEV;

    /// <summary>Stops accepting, closes the current client (releasing what it held), waits for the threads and removes the socket file.</summary>
    public void Dispose()
    {
        ServerSession? session;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            session = _current;
        }

        _stop.Cancel();
        _listener?.Dispose();
        if (_acceptThread is not null && _acceptThread.ManagedThreadId != Environment.CurrentManagedThreadId)
        {
            _acceptThread.Join();
        }

        session?.Dispose();
        Thread[] refusals;
        lock (_lock)
        {
            refusals = [.. _refusals];
        }

        foreach (Thread refusal in refusals.Where(t => t.ManagedThreadId != Environment.CurrentManagedThreadId))
        {
            refusal.Join(Options.RefusalTimeout);
        }

        _stop.Dispose();
    }

    internal void Log(string line)
    {
        try
        {
            Options.Log?.Invoke(line);
        }
        catch (Exception)
        {
            // A failing log sink must not take the server down.
        }
    }

    internal void CountMessage() => Interlocked.Increment(ref _messagesHandled);

    internal void OnSessionConnected(ServerSession session, VfioUserClientConnectedEventArgs args)
    {
        Interlocked.Increment(ref _clientsServed);
        VersionCapabilities answer = args.Answer;
        Log($"client {session.Id} connected: vfio-user {args.Major}.{args.Minor}, max_msg_fds {args.Offer.MaxMsgFds}, "
            + $"max_data_xfer_size {answer.MaxDataXferSize}, max_dma_maps {answer.MaxDmaMaps}, "
            + $"twin socket {(answer.TwinSocket is { Supported: true } ? "yes" : "no")}, write_multiple {(answer.WriteMultiple ? "yes" : "no")}");
        Raise(ClientConnected, args);
    }

    internal void OnSessionEnded(ServerSession session, VfioUserDisconnectReason reason, string detail)
    {
        lock (_lock)
        {
            if (_current == session)
            {
                _current = null;
            }
        }

        Log($"client {session.Id} disconnected ({reason}): {detail}");
        Raise(ClientDisconnected, new VfioUserClientDisconnectedEventArgs(session.Id, reason, detail));
    }

    /// <summary>The current client's session (null without one).</summary>
    internal ServerSession? Current()
    {
        lock (_lock)
        {
            return _current;
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
        where T : EventArgs
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception e)
        {
            Log($"an event handler failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private void AcceptLoop()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            UnixSocket socket;
            try
            {
                socket = _listener!.Accept(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (AcceptException e) when (e.Kind == AcceptErrorKind.Transient)
            {
                Log($"a connection failed before it was accepted: {e.Message}");
                continue;
            }
            catch (AcceptException e) when (e.Kind == AcceptErrorKind.ResourcePressure)
            {
                Log($"cannot accept for now, backing off: {e.Message}");
                stop.WaitHandle.WaitOne(ResourceBackoff);
                continue;
            }
            catch (TransportException e)
            {
                Log($"the listening socket failed, no more clients are accepted: {e.Message}");
                return;
            }

            try
            {
                Admit(socket);
            }
            catch (Exception e)
            {
                socket.Dispose();
                Log($"a connection could not be taken: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private void Admit(UnixSocket socket)
    {
        // A client that just left may still be tearing down: the new one waits for it rather than being refused.
        if (Current() is { IsEnding: true } ending)
        {
            ending.WaitEnded(Options.TeardownWait);
        }

        lock (_lock)
        {
            if (_disposed)
            {
                socket.Dispose();
                return;
            }

            if (_current is null)
            {
                _current = new ServerSession(this, ++_sessions, new VfioUserConnection(socket, VfioUserFrameKinds.Any));
                _current.Start();
                return;
            }

            Log($"a connection arrived while client {_current.Id} is being served: its first message decides");
            var refusal = new Thread(() => Screen(socket)) { IsBackground = true, Name = "vfio-user refusal" };
            _refusals.Add(refusal);
            refusal.Start();
        }
    }

    /// <summary>
    /// A connection that arrived while a client was being served: its first message decides. If
    /// the client being served has left meanwhile (a client reconnecting while its previous session
    /// tears down), the connection becomes the next session with that message; otherwise the message
    /// is answered with EBUSY and the connection closed (or just closed when nothing comes in time).
    /// </summary>
    private void Screen(UnixSocket socket)
    {
        var connection = new VfioUserConnection(socket, VfioUserFrameKinds.Any);
        string? detail = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(Options.RefusalTimeout);
            VfioUserReceiveStatus status = connection.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out _, timeout.Token);
            if (status == VfioUserReceiveStatus.Closed)
            {
                detail = "it closed before its first message";
            }
            else if (status == VfioUserReceiveStatus.Message && TryTakeOver(connection, frame, fds))
            {
                connection = null;
            }
            else
            {
                FileDescriptorHandle.DisposeAll(fds);

                connection.SendError(frame.Header, Errno.EBUSY);
                detail = frame.Header.NoReply ? "its first message asked for no reply; closed" : "its first message was answered with EBUSY";
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or VfioUserProtocolException or TransportException)
        {
            detail = $"closed without an answer ({e.GetType().Name})";
        }
        finally
        {
            connection?.Dispose();
            lock (_lock)
            {
                _refusals.Remove(Thread.CurrentThread);
            }
        }

        if (detail is not null)
        {
            Interlocked.Increment(ref _clientsRefused);
            Log($"refused a connection while a client is being served: {detail}");
            Raise(ClientRefused, new VfioUserClientRefusedEventArgs(detail));
        }
    }

    // The connection becomes the session when the client being served is gone (or going: its teardown is waited for).
    private bool TryTakeOver(VfioUserConnection connection, in VfioUserFrame frame, FileDescriptorHandle[] fds)
    {
        if (Current() is { IsEnding: true } ending)
        {
            ending.WaitEnded(Options.TeardownWait);
        }

        lock (_lock)
        {
            if (_disposed || _current is not null)
            {
                return false;
            }

            _current = new ServerSession(this, ++_sessions, connection, new FirstMessage(frame.Header, frame.Payload.ToArray(), fds));
            _current.Start();
            return true;
        }
    }
}
