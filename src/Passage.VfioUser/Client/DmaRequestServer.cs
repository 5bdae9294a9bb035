using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;

namespace Passage.VfioUser.Client;

/// <summary>
/// Answers the server's DMA_READ and DMA_WRITE from the client's message-served windows
/// (vfio-user.md §4, §8 rule 6): a DMA_READ reply is the 16-byte head and the data; a DMA_WRITE
/// reply is exactly 16 bytes echoing address and count, as libvfio-user checks. An address range
/// outside every window, fds on the message, a malformed payload or any other command get a
/// failure reply. One instance per connection, used by one thread at a time (the twin-socket
/// reader, or the requesting thread while it waits for a reply on the main socket).
/// </summary>
internal sealed class DmaRequestServer
{
    // Replies up to this size reuse one buffer; the largest (1 MiB of DMA_READ data) grows it once.
    private const int InitialReplyBuffer = 4096;
    private const int MessageHead = VfioUserProtocol.HeaderSize + VfioUserDmaAccess.HeadSize;

    private readonly DmaWindowTable _windows;
    private readonly VfioUserConnection _connection;
    private byte[] _reply = new byte[InitialReplyBuffer];

    public DmaRequestServer(DmaWindowTable windows, VfioUserConnection connection)
    {
        _windows = windows;
        _connection = connection;
    }

    /// <summary>Answers one command from the server; the fds that came with it are closed.</summary>
    /// <exception cref="Transport.TransportException">The reply could not be sent.</exception>
    public void Serve(in VfioUserFrame frame, FileDescriptorHandle[] fds)
    {
        VfioUserHeader request = frame.Header;
        if (fds.Length != 0)
        {
            // No server command carries fds (vfio-user.md §7): refuse it, close them.
            FileDescriptorHandle.DisposeAll(fds);

            _connection.SendError(request, Errno.EINVAL);
            return;
        }

        Errno errno = request.Command switch
        {
            VfioUserCommand.DmaRead => Read(request, frame.Payload),
            VfioUserCommand.DmaWrite => Write(request, frame.Payload),
            _ => Errno.EINVAL,
        };
        if (errno != Errno.None)
        {
            _connection.SendError(request, errno);
        }
    }

    private Errno Read(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserDmaAccess.TryReadHead(payload, out VfioUserDmaAccess access, out Errno errno))
        {
            return errno;
        }

        errno = _windows.Resolve(access.Address, access.Count, write: false, out IDmaBuffer? buffer, out ulong offset);
        if (errno != Errno.None)
        {
            return errno;
        }

        // TryReadHead bounds the count by 1 MiB.
        int count = (int)access.Count;
        int size = MessageHead + count;
        if (_reply.Length < size)
        {
            _reply = new byte[Math.Max(size, Math.Min(2 * _reply.Length, VfioUserLimits.MaxMessageSize))];
        }

        Span<byte> message = _reply.AsSpan(0, size);
        if (!buffer!.TryRead(offset, message[MessageHead..]))
        {
            return Errno.EINVAL;
        }

        if (!request.NoReply)
        {
            VfioUserHeader.ForReply(request, VfioUserDmaAccess.HeadSize + count).Write(message);
            new VfioUserDmaAccess(access.Address, access.Count).WriteHead(message[VfioUserProtocol.HeaderSize..]);
            _connection.SendRaw(message);
        }

        return Errno.None;
    }

    private Errno Write(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserDmaAccess.TryReadWithData(payload, out VfioUserDmaAccess access, out Errno errno))
        {
            return errno;
        }

        errno = _windows.Resolve(access.Address, access.Count, write: true, out IDmaBuffer? buffer, out ulong offset);
        if (errno != Errno.None)
        {
            return errno;
        }

        if (!buffer!.TryWrite(offset, access.Data))
        {
            return Errno.EINVAL;
        }

        if (!request.NoReply)
        {
            // Exactly the 16-byte head: libvfio-user resets the connection on less and desynchronises on more.
            Span<byte> message = _reply.AsSpan(0, MessageHead);
            VfioUserHeader.ForReply(request, VfioUserDmaAccess.HeadSize).Write(message);
            new VfioUserDmaAccess(access.Address, access.Count).WriteHead(message[VfioUserProtocol.HeaderSize..]);
            _connection.SendRaw(message);
        }

        return Errno.None;
    }
}
