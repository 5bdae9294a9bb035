using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Client;

/// <summary>
/// The client's main socket: one request in flight, sent and answered on the calling thread (no
/// hand-off to another thread, so a round trip costs one wake-up on each side). The caller holds
/// <see cref="Lock"/>, writes the payload into <see cref="Payload"/>, calls <see cref="Exchange"/>
/// and reads the reply before letting go. Message ids increment; a reply with another id or
/// command, or any framing violation, is the loss of the connection. Without a twin socket the
/// server's DMA commands that arrive before the reply are answered in place.
/// </summary>
internal sealed class RequestChannel : IDisposable
{
    private const int InitialMessageBuffer = 4096;
    private const int BrokenPipe = 32;
    private const int ConnectionReset = 104;

    private readonly VfioUserConnection _connection;
    private readonly ConnectionLoss _loss;
    private readonly Lock _lock = new();
    private byte[] _message = new byte[InitialMessageBuffer];
    private ushort _lastId;
    private DmaRequestServer? _inlineDma;

    public RequestChannel(UnixSocket socket, ConnectionLoss loss)
    {
        // Replies, and without a twin socket the server's DMA commands, share this stream; which
        // of the two is allowed is decided here once VERSION has said whether a twin socket exists.
        _connection = new VfioUserConnection(socket, VfioUserFrameKinds.Any);
        _loss = loss;
    }

    /// <summary>Held across payload, exchange and reading the reply.</summary>
    public Lock Lock => _lock;

    /// <summary>The main socket.</summary>
    public UnixSocket Socket => _connection.Socket;

    /// <summary>The id of the last request sent.</summary>
    public ushort LastId => _lastId;

    /// <summary>From now on the server's DMA commands on this socket are served from <paramref name="windows"/> (no twin socket).</summary>
    public void ServeDmaInline(DmaWindowTable windows) => _inlineDma = new DmaRequestServer(windows, _connection);

    /// <summary>Room for a payload of <paramref name="length"/> bytes in the next request (the caller holds <see cref="Lock"/>).</summary>
    public Span<byte> Payload(int length)
    {
        int size = VfioUserProtocol.HeaderSize + length;
        if (_message.Length < size)
        {
            _message = new byte[Math.Max(size, 2 * _message.Length)];
        }

        return _message.AsSpan(VfioUserProtocol.HeaderSize, length);
    }

    /// <summary>
    /// Sends the request whose payload (<paramref name="payloadLength"/> bytes) is in <see cref="Payload"/>
    /// with <paramref name="fds"/>, and waits for its reply. <see cref="Errno.None"/>: <paramref name="reply"/>
    /// is the reply (valid until the next exchange) and <paramref name="replyFds"/> its fds, owned by
    /// the caller. Otherwise the errno of a failure reply, EINVAL for a reply with fds it may not
    /// carry, or EIO when the connection is lost (before or during the exchange).
    /// </summary>
    public Errno Exchange(VfioUserCommand command, int payloadLength, ReadOnlySpan<int> fds, out VfioUserFrame reply, out FileDescriptorHandle[] replyFds)
    {
        reply = default;
        replyFds = [];
        if (_loss.HasHappened)
        {
            return Errno.EIO;
        }

        ushort id = unchecked(++_lastId);
        VfioUserHeader.ForCommand(id, command, payloadLength).Write(_message);
        try
        {
            _connection.SendRaw(_message.AsSpan(0, VfioUserProtocol.HeaderSize + payloadLength), fds);
            while (true)
            {
                VfioUserReceiveStatus status = _connection.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] frameFds, out VfioUserFrameError error);
                if (status == VfioUserReceiveStatus.Closed)
                {
                    return Lose("the server closed the connection", null);
                }

                VfioUserHeader header = frame.Header;
                if (status == VfioUserReceiveStatus.Refused)
                {
                    // A command number this side does not know: answered, and the stream stays in step.
                    _connection.SendError(header, error.Errno);
                    continue;
                }

                if (header.IsCommand)
                {
                    if (_inlineDma is null)
                    {
                        FileDescriptorHandle.DisposeAll(frameFds);
                        return Lose($"the server sent command {header.Command} on the main socket, where only replies may come", null);
                    }

                    _inlineDma.Serve(frame, frameFds);
                    continue;
                }

                if (header.MessageId != id || header.Command != command)
                {
                    FileDescriptorHandle.DisposeAll(frameFds);
                    return Lose($"the server answered request {id} ({command}) with a reply to {header.MessageId} ({header.Command})", null);
                }

                if (header.IsError || VfioUserFdRules.Check(header, frameFds.Length, VfioUserLimits.PassageMaxMsgFds) != Errno.None)
                {
                    FileDescriptorHandle.DisposeAll(frameFds);
                    return header.IsError ? VfioUserErrorReply.ErrnoOf(header) : Errno.EINVAL;
                }

                reply = frame;
                replyFds = frameFds;
                return Errno.None;
            }
        }
        catch (ObjectDisposedException e)
        {
            return Lose("the connection was shut down", e);
        }
        catch (VfioUserProtocolException e)
        {
            return Lose($"the server broke the protocol: {e.Message}", e);
        }
        catch (TransportException e) when ((int)e.Errno is BrokenPipe or ConnectionReset)
        {
            return Lose("the server closed the connection", e);
        }
        catch (TransportException e)
        {
            return Lose($"the connection failed: {e.Message}", e);
        }
    }

    /// <summary>Records that the server broke the protocol in a reply the caller read (the stream can no longer be trusted); returns EIO.</summary>
    public Errno Broken(string reason) => Lose($"the server broke the protocol: {reason}", null);

    /// <summary>Shuts the socket down: the server sees the end of the stream, a waiting exchange ends with EIO.</summary>
    public void Dispose() => _connection.Dispose();


    private Errno Lose(string reason, Exception? cause)
    {
        _loss.Record(reason, cause);
        return Errno.EIO;
    }
}
