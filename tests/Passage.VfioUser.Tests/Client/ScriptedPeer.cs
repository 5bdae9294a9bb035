using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Client;

/// <summary>
/// A stand-in for a vfio-user server, answering from a script with replies built by the codec:
/// VERSION (with a twin socket when the script grants one), device, region and IRQ info, region
/// reads and writes against the script's regions, empty replies to SET_IRQS, DMA_MAP and
/// DEVICE_RESET, the echo of DMA_UNMAP. It records every request with its fds, and can send the
/// client DMA commands (on the twin socket, or on the main socket from inside a request hook).
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly VfioUserConnection _main;
    private readonly PeerScript _script;
    private readonly Thread _thread;
    private readonly List<PeerRequest> _requests = [];
    private readonly TaskCompletionSource _clientLeft = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _callLock = new();
    private volatile VfioUserConnection? _twin;
    private FileDescriptorHandle? _sentTwinEnd;
    private ushort _lastId;

    public ScriptedPeer(UnixSocket socket, PeerScript script)
    {
        _main = new VfioUserConnection(socket, VfioUserFrameKinds.Any);
        _script = script;
        _thread = new Thread(Run) { IsBackground = true, Name = "scripted vfio-user peer" };
        _thread.Start();
    }

    public PeerScript Script => _script;

    /// <summary>An exception that ended the peer's loop other than its own disposal.</summary>
    public Exception? Failure { get; private set; }

    public IReadOnlyList<PeerRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public PeerRegion Region(int index) => _script.Regions[index];

    /// <summary>The requests of one command, in order.</summary>
    public List<PeerRequest> RequestsOf(VfioUserCommand command) => [.. Requests.Where(r => r.Command == command)];

    /// <summary>Whether the client closed the connection (the peer saw the end of the stream) within a generous wait.</summary>
    public bool WaitForClientToLeave() => _clientLeft.Task.Wait(Generous);

    /// <summary>The server goes away: both sockets shut down.</summary>
    public void CloseConnection()
    {
        _main.Dispose();
        _twin?.Dispose();
    }

    /// <summary>
    /// Sends the client a command (DMA_READ/DMA_WRITE) and returns its reply: on the twin socket
    /// when there is one (from any thread), else on the main socket (only from a request hook,
    /// while the client waits for its reply). Null when the connection ended first.
    /// </summary>
    public PeerMessage? CallClient(VfioUserCommand command, byte[] payload, params int[] fds)
    {
        VfioUserConnection connection = _twin ?? _main;
        lock (_callLock)
        {
            ushort id = ++_lastId;
            connection.Send(VfioUserHeader.ForCommand(id, command, payload.Length), payload, fds);
            using var timeout = new CancellationTokenSource(Generous);
            VfioUserReceiveStatus status = connection.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] received, out _, timeout.Token);
            foreach (FileDescriptorHandle fd in received)
            {
                fd.Dispose();
            }

            return status == VfioUserReceiveStatus.Message ? new PeerMessage(frame.Header, frame.Payload.ToArray()) : null;
        }
    }

    public void Dispose()
    {
        CloseConnection();
        _thread.Join(Generous);
        foreach (PeerRequest request in Requests)
        {
            foreach (FileDescriptorHandle fd in request.Fds)
            {
                fd.Dispose();
            }
        }

        foreach (PeerRegion region in _script.Regions)
        {
            region.Dispose();
        }
    }

    private static byte[] Payload(int size, SpanAction write)
    {
        byte[] payload = new byte[size];
        write(payload);
        return payload;
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                VfioUserReceiveStatus status = _main.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out VfioUserFrameError error);
                if (status == VfioUserReceiveStatus.Closed)
                {
                    _clientLeft.TrySetResult();
                    return;
                }

                if (status == VfioUserReceiveStatus.Refused)
                {
                    _main.SendError(frame.Header, error.Errno);
                    continue;
                }

                var request = new PeerRequest(frame.Header, frame.Payload.ToArray(), fds, this);
                lock (_requests)
                {
                    _requests.Add(request);
                }

                PeerReply reply = _script.Override?.Invoke(request) ?? Answer(request);
                if (reply.Close)
                {
                    CloseConnection();
                    return;
                }

                if (reply.Silent)
                {
                    continue;
                }

                if (reply.Raw is not null)
                {
                    _main.SendRaw(reply.Raw, reply.Fds);
                }
                else if (reply.Errno != Errno.None)
                {
                    _main.SendError(request.Header, reply.Errno);
                }
                else
                {
                    _main.Send(VfioUserHeader.ForReply(request.Header, reply.Payload.Length), reply.Payload, reply.Fds);
                }

                _sentTwinEnd?.Dispose();
                _sentTwinEnd = null;
            }
        }
        catch (ObjectDisposedException)
        {
            // The peer closed its end.
        }
        catch (Exception e) when (e is TransportException or VfioUserProtocolException)
        {
            Failure = e;
            _clientLeft.TrySetResult();
        }
    }

    private PeerReply Answer(PeerRequest request)
    {
        byte[] payload = request.Payload;
        switch (request.Command)
        {
            case VfioUserCommand.Version:
                return AnswerVersion();
            case VfioUserCommand.DeviceGetInfo:
                return PeerReply.Ok(Payload(VfioUserDeviceInfo.PayloadSize, p => VfioUserDeviceInfo.Reply(_script.DeviceFlags, (uint)_script.Regions.Count, (uint)_script.Irqs.Count).Write(p)));
            case VfioUserCommand.DeviceGetRegionInfo:
                return AnswerRegionInfo(payload);
            case VfioUserCommand.DeviceGetIrqInfo:
                {
                    Assert.True(VfioUserIrqInfo.TryRead(payload, out VfioUserIrqInfo asked, out _));
                    IrqInfo irq = _script.Irqs[(int)asked.Index];
                    return PeerReply.Ok(Payload(VfioUserIrqInfo.PayloadSize, p => VfioUserIrqInfo.Reply(irq.Flags, (uint)irq.Index, irq.Count).Write(p)));
                }

            case VfioUserCommand.RegionRead:
                {
                    Assert.True(VfioUserRegionAccess.TryReadHead(payload, out VfioUserRegionAccess access, out _));
                    if (!TryRegionRange(access.Region, access.Offset, access.Count, out Span<byte> bytes))
                    {
                        return PeerReply.Fail(Errno.EINVAL);
                    }

                    byte[] reply = new byte[VfioUserRegionAccess.HeadSize + bytes.Length];
                    new VfioUserRegionAccess(access.Offset, access.Region, access.Count).WriteHead(reply);
                    bytes.CopyTo(reply.AsSpan(VfioUserRegionAccess.HeadSize));
                    return PeerReply.Ok(reply);
                }

            case VfioUserCommand.RegionWrite:
                {
                    Assert.True(VfioUserRegionAccess.TryReadWithData(payload, out VfioUserRegionAccess access, out _));
                    if (!TryRegionRange(access.Region, access.Offset, access.Count, out Span<byte> bytes))
                    {
                        return PeerReply.Fail(Errno.EINVAL);
                    }

                    access.Data.CopyTo(bytes);
                    return PeerReply.Ok(payload[..VfioUserRegionAccess.HeadSize]);
                }

            case VfioUserCommand.DmaUnmap:
                return PeerReply.Ok(payload);
            case VfioUserCommand.DeviceSetIrqs or VfioUserCommand.DmaMap or VfioUserCommand.DeviceReset:
                return PeerReply.Ok([]);
            default:
                return PeerReply.Fail(Errno.EINVAL);
        }
    }

    private PeerReply AnswerVersion()
    {
        VersionCapabilities capabilities = _script.GrantTwinSocket
            ? _script.Capabilities with { TwinSocket = new TwinSocketCapability(true, 0) }
            : _script.Capabilities;
        byte[] json = capabilities.ToJson();
        byte[] payload = new byte[VfioUserVersion.HeadSize + json.Length + 1];
        new VfioUserVersion(VfioUserProtocol.MajorVersion, _script.Minor, json).Write(payload);
        if (!_script.GrantTwinSocket)
        {
            return PeerReply.Ok(payload);
        }

        UnixSocket twin = UnixSocket.Pair(out FileDescriptorHandle otherEnd);
        _twin = new VfioUserConnection(twin, VfioUserFrameKinds.Replies);

        // The reply leaves with the end's fd; this process's copy is closed once it is sent.
        _sentTwinEnd = otherEnd;
        return PeerReply.Ok(payload, otherEnd.Fd);
    }

    private PeerReply AnswerRegionInfo(byte[] payload)
    {
        Assert.True(VfioUserRegionInfoRequest.TryRead(payload, out VfioUserRegionInfoRequest asked, out _));
        PeerRegion region = _script.Regions[(int)asked.Index];
        byte[] reply = new byte[VfioUserRegionInfo.ReplySize(asked.Argsz, region.Info)];
        VfioUserRegionInfo.Write(reply, asked.Argsz, region.Info);

        // As libvfio-user: the fd only with the full answer (vfio-user.md §8 rule 4).
        bool full = VfioUserRegionInfo.Fits(asked.Argsz, region.Info);
        return full && region.File is not null ? PeerReply.Ok(reply, region.File.Fd) : PeerReply.Ok(reply);
    }

    private bool TryRegionRange(uint index, ulong offset, uint count, out Span<byte> bytes)
    {
        bytes = default;
        if (index >= _script.Regions.Count)
        {
            return false;
        }

        Span<byte> all = _script.Regions[(int)index].Bytes;
        if (offset > (ulong)all.Length || count > (ulong)all.Length - offset)
        {
            return false;
        }

        bytes = all.Slice((int)offset, (int)count);
        return true;
    }

    private delegate void SpanAction(Span<byte> destination);
}
