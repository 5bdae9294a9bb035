using System.Buffers;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Session;

/// <summary>
/// One end of a vfio-user stream: whole messages in, with exactly the fds that came with each,
/// and whole messages out, each with its fds in one <c>sendmsg</c>. The transport moves bytes and
/// the codec frames them; this joins the two. Receiving belongs to one reader thread and hands out
/// frames that point into the receive buffer (no copy), valid until the next
/// <see cref="Receive"/>; sending is thread-safe.
/// </summary>
public sealed class VfioUserConnection : IDisposable
{
    // Messages up to this size are assembled on the stack; larger ones in a pooled buffer.
    private const int StackMessage = 256;

    private readonly ReceiveBuffer _buffer;
    private readonly VfioUserFrameDecoder _decoder;
    private int _disposed;

    /// <summary>Wraps <paramref name="socket"/> (the connection owns it), framing messages of the <paramref name="expected"/> kinds.</summary>
    public VfioUserConnection(UnixSocket socket, VfioUserFrameKinds expected, int maxMessageSize = VfioUserLimits.MaxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
        _decoder = new VfioUserFrameDecoder(expected, maxMessageSize);
        _buffer = new ReceiveBuffer(maxCapacity: Math.Max(ReceiveBuffer.DefaultInitialCapacity, 2 * maxMessageSize));
    }

    /// <summary>The socket underneath.</summary>
    public UnixSocket Socket { get; }

    /// <summary>
    /// Waits for the next message. <see cref="VfioUserReceiveStatus.Message"/>: <paramref name="frame"/>
    /// and <paramref name="fds"/> (owned by the caller) are that message. <see cref="VfioUserReceiveStatus.Refused"/>:
    /// a malformed message that is answered with <paramref name="error"/>'s errno (its fds are closed).
    /// <see cref="VfioUserReceiveStatus.Closed"/>: the peer is gone. The frame stays valid until the next call.
    /// </summary>
    /// <exception cref="VfioUserProtocolException">The stream cannot be framed (a size outside the bounds, a message of a kind this end does not take, too many fds, a peer that closed mid-message): close the connection.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was consumed.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed while waiting.</exception>
    public VfioUserReceiveStatus Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out VfioUserFrameError error, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            VfioUserDecodeStatus status = _decoder.Decode(_buffer.Pending, out frame, out error);
            switch (status)
            {
                // Consuming moves the buffer's start, not its bytes: they stay where the frame
                // points until the next receive reuses the space, after the caller is done.
                case VfioUserDecodeStatus.Frame:
                    fds = _buffer.Consume(frame.Length);
                    return VfioUserReceiveStatus.Message;
                case VfioUserDecodeStatus.Error when error.Action == VfioUserFrameAction.ReplyWithError:
                    FileDescriptorHandle.DisposeAll(_buffer.Consume(frame.Length));
                    fds = [];
                    return VfioUserReceiveStatus.Refused;
                case VfioUserDecodeStatus.Error:
                    throw new VfioUserProtocolException(error.Fault);
                default:
                    break;
            }

            int received;
            try
            {
                received = _buffer.ReceiveFrom(Socket, cancellationToken);
            }
            catch (TransportProtocolException e)
            {
                throw new VfioUserProtocolException(e.Message, e);
            }
            catch (InvalidOperationException e) when (e is not ObjectDisposedException)
            {
                throw new VfioUserProtocolException("the peer sent more than a message can hold", e);
            }

            if (received == 0)
            {
                fds = [];
                if (_buffer.Pending.Length != 0)
                {
                    throw new VfioUserProtocolException($"the peer closed the connection in the middle of a message ({_buffer.Pending.Length} bytes pending)");
                }

                return VfioUserReceiveStatus.Closed;
            }
        }
    }

    /// <summary>Sends one message: <paramref name="header"/>, <paramref name="payload"/> and <paramref name="fds"/> in one <c>sendmsg</c>.</summary>
    /// <exception cref="ArgumentException">The header's size is not 16 + the payload's, or too many fds.</exception>
    /// <exception cref="Transport.TransportException">The peer is gone or the socket failed.</exception>
    public void Send(in VfioUserHeader header, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default)
    {
        int size = VfioUserProtocol.HeaderSize + payload.Length;
        if (header.MessageSize != (uint)size)
        {
            throw new ArgumentException($"the header says {header.MessageSize} bytes, the message has {size}", nameof(header));
        }

        byte[]? rented = null;
        Span<byte> message = size <= StackMessage ? stackalloc byte[StackMessage] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            message = message[..size];
            header.Write(message);
            payload.CopyTo(message[VfioUserProtocol.HeaderSize..]);
            Socket.Send(message, fds);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Sends a message already laid out (header included) with its fds.</summary>
    public void SendRaw(ReadOnlySpan<byte> message, ReadOnlySpan<int> fds = default) => Socket.Send(message, fds);

    /// <summary>Sends the failure reply to <paramref name="request"/> (nothing when it asked for no reply).</summary>
    public void SendError(in VfioUserHeader request, Host.Devices.Errno errno)
    {
        if (!request.NoReply)
        {
            Send(VfioUserErrorReply.For(request, errno), []);
        }
    }

    /// <summary>Shuts the socket down (the peer sees the end of the stream, a waiting receive ends) and closes every fd still held.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Socket.Dispose();
        _buffer.Dispose();
    }

}
