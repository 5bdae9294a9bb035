using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Server;

/// <summary>
/// One client of a <see cref="VfioUserServer"/>: its own reader thread handles the client's
/// commands in order (VERSION first, No_reply honoured even for failures), forwards them to the
/// exported device, and when the client goes — clean close, protocol error, killed process —
/// releases everything it held: the IRQ indexes it enabled, its eventfds, its DMA windows and
/// their fds, the twin socket. Nothing thrown while serving escapes the thread: a device failure
/// is an error reply, a broken client or an unexpected failure closes the session.
/// </summary>
internal sealed partial class ServerSession : IDmaAccess, IDisposable
{
    private readonly VfioUserServer _server;
    private readonly IHostDevice _device;
    private readonly VfioUserServerOptions _options;
    private readonly VfioUserConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _ended = new(false);
    private readonly Thread _thread;
    private readonly ServerIrqTable _irqs;
    private readonly DmaWindowTable _windows = new();
    private readonly RegionInfo?[] _regions;
    private FirstMessage? _first;
    private DmaMessenger? _dma;
    private VersionCapabilities? _answer;
    private (VfioUserDisconnectReason Reason, string Detail)? _abort;
    private int _ending;

    /// <summary>A session over <paramref name="connection"/> (owned; it frames commands and replies), starting from <paramref name="first"/> when that was already read.</summary>
    public ServerSession(VfioUserServer server, int id, VfioUserConnection connection, FirstMessage? first = null)
    {
        _server = server;
        _device = server.Device;
        _options = server.Options;
        Id = id;
        _connection = connection;
        _first = first;
        _irqs = new ServerIrqTable(_device, Log);
        _regions = new RegionInfo?[Math.Clamp(_device.Info.NumRegions, 0, VfioUserLimits.MaxRegions)];
        _thread = new Thread(Run) { IsBackground = true, Name = $"vfio-user session {id}" };
    }

    public int Id { get; }

    /// <summary>The session is tearing down (or has): a new client may wait for it instead of being refused.</summary>
    public bool IsEnding => Volatile.Read(ref _ending) != 0;

    public IReadOnlyList<VfioUserDmaWindow> DmaWindows => _windows.Snapshot();

    private int MaxTransfer => (int)Math.Min(_answer?.MaxDataXferSize ?? VfioUserLimits.MaxDataTransfer, (ulong)VfioUserLimits.MaxDataTransfer);

    public void Start() => _thread.Start();

    /// <summary>Ends the session from another thread with <paramref name="reason"/> (the first reason given wins).</summary>
    public void Abort(VfioUserDisconnectReason reason, string detail)
    {
        lock (_stop)
        {
            _abort ??= (reason, detail);
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }
    }

    /// <summary>Ends the session for a stopping server and waits (up to the teardown wait) for its teardown.</summary>
    public void Dispose()
    {
        TimeSpan wait = _options.TeardownWait;
        Abort(VfioUserDisconnectReason.Stopped, "the server stopped");

        // A reply blocked on a full socket only wakes when the socket shuts down.
        _connection.Dispose();
        if (Environment.CurrentManagedThreadId != _thread.ManagedThreadId && !_ended.Wait(wait))
        {
            Log($"session {Id} did not end within {wait.TotalSeconds:0.#} s of the server stopping");
        }
    }

    /// <summary>Waits until the session's teardown is over.</summary>
    public bool WaitEnded(TimeSpan timeout) => _ended.Wait(timeout);

    private (VfioUserDisconnectReason Reason, string Detail)? Aborted
    {
        get
        {
            lock (_stop)
            {
                return _abort;
            }
        }
    }

    private static void CloseAll(IEnumerable<FileDescriptorHandle?> fds)
    {
        foreach (FileDescriptorHandle? fd in fds)
        {
            fd?.Dispose();
        }
    }

    private static Errno Usable(Errno errno) => (int)errno is > 0 and <= VfioUserProtocol.MaxErrno ? errno : Errno.EIO;

    private void Log(string line) => _server.Log(line);

    private void Run()
    {
        VfioUserDisconnectReason reason = VfioUserDisconnectReason.Closed;
        string detail = "the client closed the connection";
        try
        {
            Negotiate();
            Serve();
        }
        catch (SessionEndException e)
        {
            (reason, detail) = (e.Reason, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && Aborted is { } aborted)
        {
            (reason, detail) = aborted;
        }
        catch (VfioUserProtocolException e)
        {
            (reason, detail) = (VfioUserDisconnectReason.ProtocolError, e.Message);
        }
        catch (TransportException e)
        {
            (reason, detail) = (VfioUserDisconnectReason.ConnectionFailed, e.Message);
        }
        catch (Exception e)
        {
            (reason, detail) = (VfioUserDisconnectReason.InternalError, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Teardown(reason, detail);
        }
    }

    private void Serve()
    {
        while (true)
        {
            VfioUserReceiveStatus status = _connection.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out VfioUserFrameError error, _stop.Token);
            if (status == VfioUserReceiveStatus.Closed)
            {
                return;
            }

            _server.CountMessage();
            if (status == VfioUserReceiveStatus.Refused)
            {
                _connection.SendError(frame.Header, error.Errno);
                continue;
            }

            Handle(frame, fds);
        }
    }

    private void Teardown(VfioUserDisconnectReason reason, string detail)
    {
        Volatile.Write(ref _ending, 1);
        Step("closing the twin socket", () => _dma?.Dispose());
        Step("releasing interrupts", _irqs.Release);
        Step("unmapping DMA windows", () => _windows.RemoveAll());
        Step("closing the connection", _connection.Dispose);
        _server.OnSessionEnded(this, reason, detail);
        _stop.Dispose();
        _ended.Set();
    }

    // One failing step of the teardown must not keep the others from running.
    private void Step(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Log($"session {Id}: {what} failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Reply(in VfioUserHeader request, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default)
    {
        if (!request.NoReply)
        {
            _connection.Send(VfioUserHeader.ForReply(request, payload.Length), payload, fds);
        }
    }

    private void Fail(in VfioUserHeader request, Errno errno) => _connection.SendError(request, Usable(errno));

    /// <summary>Ends the session from its own thread.</summary>
    private sealed class SessionEndException(VfioUserDisconnectReason reason, string message) : Exception(message)
    {
        public VfioUserDisconnectReason Reason { get; } = reason;
    }
}
