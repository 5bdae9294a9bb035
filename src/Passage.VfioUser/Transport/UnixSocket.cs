using System.Net.Sockets;
using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>
/// One connected <c>AF_UNIX</c> <c>SOCK_STREAM</c> socket (close-on-exec) that moves bytes and file
/// descriptors and never parses them (vfio-user.md §1, §7). A message and its fds leave in one
/// <c>sendmsg</c>; a receive is one <c>recvmsg</c> whose fds come back with its bytes.
/// </summary>
/// <remarks>
/// Calls block the calling thread: the connection above runs one reader thread per socket.
/// Waiting happens in <c>poll</c>, never inside a socket call (every call passes
/// <c>MSG_DONTWAIT</c>, so the file description's own flags are left alone, which matters for a
/// socket received as an fd), so a waiting receive can be cancelled without losing bytes, and
/// <see cref="Dispose"/> unblocks every waiter: it shuts the socket down (the peer sees end of
/// stream) and the descriptor is closed once the last call using it has returned.
/// </remarks>
public sealed unsafe class UnixSocket : IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly Wakeup _receiveWakeup;
    private readonly Lock _sendLock = new();
    private readonly int _maxReceiveFds;
    private int _maxSendFds;
    private int _receiving;
    private int _disposed;

    private UnixSocket(FileDescriptorHandle handle, UnixSocketOptions options)
    {
        _handle = handle;
        _maxReceiveFds = options.MaxReceiveFds;
        _maxSendFds = options.MaxSendFds;
        _receiveWakeup = Wakeup.Create();
    }

    /// <summary>Fds this side accepts with one received message (fixed when the socket is made).</summary>
    public int MaxReceiveFds => _maxReceiveFds;

    /// <summary>
    /// Fds one sent message may carry (0–1024); <see cref="Send(ReadOnlySpan{byte}, ReadOnlySpan{int})"/>
    /// refuses more before sending anything. Set it to the peer's <c>max_msg_fds</c> after VERSION.
    /// </summary>
    public int MaxSendFds
    {
        get => Volatile.Read(ref _maxSendFds);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, UnixSocketOptions.MaxFdsLimit);
            Volatile.Write(ref _maxSendFds, value);
        }
    }

    /// <summary>Connects to the listening socket at <paramref name="path"/>.</summary>
    /// <exception cref="TransportException">Nothing listens there (ECONNREFUSED, ENOENT) or the socket could not be made.</exception>
    public static UnixSocket Connect(string path, UnixSocketOptions? options = null)
    {
        options ??= UnixSocketOptions.Default;
        Span<byte> address = stackalloc byte[SocketCalls.SockaddrUnSize];
        uint addressLength = UnixSocketAddress.Write(path, address);
        FileDescriptorHandle handle = CreateSocket(SocketCalls.SockCloexec);
        try
        {
            while (true)
            {
                int result;
                fixed (byte* pointer = address)
                {
                    // Sound: connect reads addressLength (≤ 110) bytes of the stack buffer during the call.
                    result = SocketCalls.connect(handle, pointer, addressLength);
                }

                if (result == 0)
                {
                    break;
                }

                int errno = SocketCalls.LastError();
                if (errno != SocketCalls.EIntr)
                {
                    throw TransportException.FromErrno(errno, $"cannot connect to {path}");
                }
            }

            return new UnixSocket(handle, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Makes two connected sockets (<c>socketpair</c>): both ends in this process, for example a test.</summary>
    public static (UnixSocket First, UnixSocket Second) Pair(UnixSocketOptions? options = null)
    {
        options ??= UnixSocketOptions.Default;
        (FileDescriptorHandle first, FileDescriptorHandle second) = CreatePair();
        UnixSocket? firstSocket = null;
        try
        {
            firstSocket = new UnixSocket(first, options);
            return (firstSocket, new UnixSocket(second, options));
        }
        catch
        {
            if (firstSocket is null)
            {
                first.Dispose();
            }
            else
            {
                firstSocket.Dispose();
            }

            second.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes two connected sockets of which only this side's end is a <see cref="UnixSocket"/>; the
    /// other is a bare descriptor to pass to a peer (the twin socket of a VERSION reply, vfio-user.md
    /// §3). Dispose <paramref name="otherEnd"/> once sent: that closes only this process's copy,
    /// whereas disposing a <see cref="UnixSocket"/> shuts the connection down for every copy.
    /// </summary>
    public static UnixSocket Pair(out FileDescriptorHandle otherEnd, UnixSocketOptions? options = null)
    {
        options ??= UnixSocketOptions.Default;
        (FileDescriptorHandle first, FileDescriptorHandle second) = CreatePair();
        try
        {
            var socket = new UnixSocket(first, options);
            otherEnd = second;
            return socket;
        }
        catch
        {
            first.Dispose();
            second.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes ownership of a connected stream socket received as an fd (the twin socket of a VERSION
    /// reply) and marks it close-on-exec. On failure the caller keeps the handle.
    /// </summary>
    /// <exception cref="ArgumentException">The fd is closed, or not an <c>AF_UNIX</c> stream socket.</exception>
    public static UnixSocket FromDescriptor(FileDescriptorHandle handle, UnixSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (handle.IsInvalid || handle.IsClosed)
        {
            throw new ArgumentException("the descriptor is not open", nameof(handle));
        }

        int domain = GetSocketOption(handle, SocketCalls.SoDomain);
        int type = GetSocketOption(handle, SocketCalls.SoType);
        if (domain != SocketCalls.AfUnix || type != SocketCalls.SockStream)
        {
            throw new ArgumentException($"descriptor {handle.Fd} is not an AF_UNIX stream socket", nameof(handle));
        }

        int flags = SocketCalls.fcntl(handle, SocketCalls.FGetfd, 0);
        if (flags < 0 || ((flags & SocketCalls.FdCloexec) == 0
            && SocketCalls.fcntl(handle, SocketCalls.FSetfd, flags | SocketCalls.FdCloexec) < 0))
        {
            throw TransportException.FromErrno(SocketCalls.LastError(), $"cannot mark descriptor {handle.Fd} close-on-exec");
        }

        return new UnixSocket(handle, options ?? UnixSocketOptions.Default);
    }

    /// <summary>Wraps a connected, close-on-exec stream socket this process just made (an accepted connection).</summary>
    internal static UnixSocket Adopt(FileDescriptorHandle handle, UnixSocketOptions options) => new(handle, options);

    /// <summary>Sends <paramref name="message"/> without fds.</summary>
    /// <exception cref="TransportException">The peer is gone (EPIPE) or the socket failed.</exception>
    public void Send(ReadOnlySpan<byte> message) => Send(message, ReadOnlySpan<int>.Empty);

    /// <summary>
    /// Sends <paramref name="message"/> with <paramref name="fds"/> attached to its first byte; the
    /// handles stay open and owned by the caller (the peer gets its own references).
    /// </summary>
    /// <exception cref="ArgumentException">More fds than <see cref="MaxSendFds"/>, fds without bytes, or an invalid handle.</exception>
    /// <exception cref="ObjectDisposedException">A handle in <paramref name="fds"/>, or the socket, is closed; nothing was sent.</exception>
    /// <exception cref="TransportException">The peer is gone (EPIPE) or the socket failed.</exception>
    public void Send(ReadOnlySpan<byte> message, ReadOnlySpan<FileDescriptorHandle> fds)
    {
        CheckFdCount(message, fds.Length, nameof(fds));
        Span<int> numbers = stackalloc int[fds.Length];
        Span<bool> added = stackalloc bool[fds.Length];
        try
        {
            for (int i = 0; i < fds.Length; i++)
            {
                FileDescriptorHandle handle = fds[i] ?? throw new ArgumentException($"fd {i} is null", nameof(fds));
                if (handle.IsInvalid)
                {
                    throw new ArgumentException($"fd {i} is not a descriptor", nameof(fds));
                }

                // Keeps the number from being closed and reused while the kernel copies it.
                handle.DangerousAddRef(ref added[i]);
                numbers[i] = handle.Fd;
            }

            Send(message, numbers);
        }
        finally
        {
            for (int i = 0; i < fds.Length; i++)
            {
                if (added[i])
                {
                    fds[i].DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> with the descriptor numbers <paramref name="fds"/> (for
    /// example <see cref="EventFd.Fd"/>), which the caller keeps open until this returns. Exactly one
    /// <c>sendmsg</c> carries the fds and as much of the message as the socket takes; the rest follows
    /// without fds. Concurrent senders never interleave bytes of two messages.
    /// </summary>
    /// <exception cref="ArgumentException">More fds than <see cref="MaxSendFds"/>, fds without bytes, or a negative fd.</exception>
    /// <exception cref="TransportException">The peer is gone (EPIPE) or the socket failed.</exception>
    public void Send(ReadOnlySpan<byte> message, ReadOnlySpan<int> fds)
    {
        CheckFdCount(message, fds.Length, nameof(fds));
        foreach (int fd in fds)
        {
            if (fd < 0)
            {
                throw new ArgumentException($"{fd} is not a descriptor", nameof(fds));
            }
        }

        if (message.IsEmpty)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return;
        }

        Span<byte> control = stackalloc byte[fds.IsEmpty ? 0 : ScmRights.SpaceFor(fds.Length)];
        int controlLength = fds.IsEmpty ? 0 : ScmRights.Write(control, fds);
        lock (_sendLock)
        {
            bool added = false;
            try
            {
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                _handle.DangerousAddRef(ref added);
                SendLocked(message, control[..controlLength]);
            }
            catch (ObjectDisposedException)
            {
                throw;
            }
            catch (TransportException) when (IsDisposed)
            {
                // Dispose shut the socket down under a waiting sender: report why.
                throw new ObjectDisposedException(nameof(UnixSocket));
            }
            finally
            {
                if (added)
                {
                    _handle.DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Receives what is available, up to <paramref name="buffer"/>'s length, with one <c>recvmsg</c>
    /// (<c>MSG_CMSG_CLOEXEC</c>), waiting until something arrives. A read never carries the fds of
    /// two sends: when <paramref name="fds"/> is not empty they belong to the message that starts
    /// last within the bytes read (see <see cref="FdQueue"/>). Only one receive may run at a time.
    /// </summary>
    /// <param name="buffer">Where the bytes go; not empty.</param>
    /// <param name="fds">The fds that arrived with these bytes, owned by the caller (empty when none).</param>
    /// <param name="cancellationToken">Cancels the wait (never a partly done read: the stream stays intact).</param>
    /// <returns>The number of bytes read; 0 when the peer closed its end.</returns>
    /// <exception cref="TransportProtocolException">The peer sent more fds than <see cref="MaxReceiveFds"/> (the ones that arrived are closed).</exception>
    /// <exception cref="TransportException">The socket failed (for example ECONNRESET).</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed, before or during the call.</exception>
    /// <exception cref="InvalidOperationException">Another receive is running.</exception>
    public int Receive(Span<byte> buffer, out FileDescriptorHandle[] fds, CancellationToken cancellationToken = default)
    {
        fds = [];
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("a receive needs room for at least one byte (0 means end of stream)", nameof(buffer));
        }

        if (Interlocked.Exchange(ref _receiving, 1) != 0)
        {
            throw new InvalidOperationException("another receive is running on this socket; a stream has one reader");
        }

        bool added = false;
        CancellationTokenRegistration registration = default;
        try
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            _handle.DangerousAddRef(ref added);
            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static state => ((UnixSocket)state!)._receiveWakeup.Signal(), this);
            }

            return ReceiveLocked(buffer, out fds, cancellationToken);
        }
        catch (TransportException e) when (IsDisposed && e is not TransportProtocolException)
        {
            throw new ObjectDisposedException(nameof(UnixSocket));
        }
        finally
        {
            registration.Dispose();
            if (added)
            {
                _handle.DangerousRelease();
            }

            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>Shuts down one or both directions (<c>shutdown(2)</c>); the peer sees end of stream when sending stops.</summary>
    /// <exception cref="TransportException">The socket refused (for example ENOTCONN).</exception>
    public void Shutdown(SocketShutdown how)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        int mode = how switch
        {
            SocketShutdown.Receive => SocketCalls.ShutRd,
            SocketShutdown.Send => SocketCalls.ShutWr,
            SocketShutdown.Both => SocketCalls.ShutRdwr,
            _ => throw new ArgumentOutOfRangeException(nameof(how), how, "not a shutdown direction"),
        };
        if (SocketCalls.shutdown(_handle, mode) != 0)
        {
            throw TransportException.FromErrno(SocketCalls.LastError(), $"cannot shut down socket {_handle.Fd}");
        }
    }

    /// <summary>
    /// Shuts the socket down (a blocked receive or send returns with <see cref="ObjectDisposedException"/>,
    /// the peer sees end of stream) and closes it once no call uses it any more.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // Wakes poll in every waiter on this socket; failure (already shut down) changes nothing.
            _ = SocketCalls.shutdown(_handle, SocketCalls.ShutRdwr);
        }
        catch (ObjectDisposedException)
        {
        }

        _receiveWakeup.Signal();
        _handle.Dispose();
        _receiveWakeup.Dispose();
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    private static FileDescriptorHandle CreateSocket(int flags)
    {
        FileDescriptorHandle handle = SocketCalls.socket(SocketCalls.AfUnix, SocketCalls.SockStream | flags, 0);
        if (handle.IsInvalid)
        {
            int errno = SocketCalls.LastError();
            handle.Dispose();
            throw TransportException.FromErrno(errno, "cannot create a Unix socket");
        }

        return handle;
    }

    private static (FileDescriptorHandle First, FileDescriptorHandle Second) CreatePair()
    {
        int* fds = stackalloc int[2];
        // Sound: socketpair writes exactly two ints into the stack buffer during the call.
        if (SocketCalls.socketpair(SocketCalls.AfUnix, SocketCalls.SockStream | SocketCalls.SockCloexec, 0, fds) != 0)
        {
            throw TransportException.FromErrno(SocketCalls.LastError(), "cannot create a socket pair");
        }

        return (new FileDescriptorHandle(fds[0]), new FileDescriptorHandle(fds[1]));
    }

    private static int GetSocketOption(FileDescriptorHandle handle, int option)
    {
        int value = 0;
        uint length = sizeof(int);
        // Sound: getsockopt writes at most `length` (4) bytes into the local and updates `length`.
        if (SocketCalls.getsockopt(handle, SocketCalls.SolSocket, option, &value, &length) != 0)
        {
            int errno = SocketCalls.LastError();
            if (errno == SocketCalls.ENotsock)
            {
                return -1;
            }

            throw TransportException.FromErrno(errno, $"cannot inspect descriptor {handle.Fd}");
        }

        return value;
    }

    private void CheckFdCount(ReadOnlySpan<byte> message, int count, string parameterName)
    {
        int maximum = MaxSendFds;
        if (count > maximum)
        {
            throw new ArgumentException($"{count} fds in one message; the peer accepts at most {maximum}", parameterName);
        }

        if (count > 0 && message.IsEmpty)
        {
            // A stream socket carries SCM_RIGHTS only on data: zero bytes would drop the fds.
            throw new ArgumentException("fds need a message of at least one byte to ride on", parameterName);
        }
    }

    private void SendLocked(ReadOnlySpan<byte> message, ReadOnlySpan<byte> control)
    {
        int sent = 0;
        fixed (byte* data = message)
        fixed (byte* controlPointer = control)
        {
            while (sent < message.Length)
            {
                var vector = new SocketCalls.IoVec { Base = data + sent, Length = (nuint)(message.Length - sent) };
                var header = new SocketCalls.MsgHdr { Iov = &vector, IovLen = 1 };
                if (sent == 0 && !control.IsEmpty)
                {
                    // Until a byte has gone, no fd has gone either: the fds ride on the first byte.
                    header.Control = controlPointer;
                    header.ControlLen = (nuint)control.Length;
                }

                // Sound: sendmsg reads the header, the one iovec and the control bytes on this frame and
                // the pinned message bytes they point at, all alive for the call.
                nint result = SocketCalls.sendmsg(_handle, &header, SocketCalls.MsgNosignal | SocketCalls.MsgDontwait);
                if (result > 0)
                {
                    sent += (int)result;
                    continue;
                }

                int errno = result == 0 ? SocketCalls.EPipe : SocketCalls.LastError();
                if (errno == SocketCalls.EIntr)
                {
                    continue;
                }

                if (errno == SocketCalls.EAgain)
                {
                    // The send buffer is full; a shutdown (Dispose) or the peer leaving ends the wait too.
                    Readiness.Wait(_handle, SocketCalls.PollOut, wakeup: null);
                    continue;
                }

                throw TransportException.FromErrno(errno, $"cannot send on socket {_handle.Fd}");
            }
        }
    }

    private int ReceiveLocked(Span<byte> buffer, out FileDescriptorHandle[] fds, CancellationToken cancellationToken)
    {
        fds = [];
        int controlSize = ScmRights.SpaceFor(_maxReceiveFds);
        Span<byte> control = stackalloc byte[controlSize];
        Span<int> numbers = stackalloc int[controlSize / sizeof(int)];
        fixed (byte* data = buffer)
        fixed (byte* controlPointer = control)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                var vector = new SocketCalls.IoVec { Base = data, Length = (nuint)buffer.Length };
                var header = new SocketCalls.MsgHdr
                {
                    Iov = &vector,
                    IovLen = 1,
                    Control = controlPointer,
                    ControlLen = (nuint)controlSize,
                };

                // Sound: recvmsg writes at most buffer.Length bytes into the pinned buffer and at most
                // controlSize bytes into the pinned control buffer, and updates the header on this frame.
                nint result = SocketCalls.recvmsg(
                    _handle, &header, SocketCalls.MsgDontwait | SocketCalls.MsgCmsgCloexec);
                if (result >= 0)
                {
                    int count = ScmRights.Read(control[..(int)Math.Min(header.ControlLen, (nuint)controlSize)], numbers);
                    fds = Adopt(numbers[..count]);
                    // The control buffer is padded to 8 bytes, so the kernel may fit one fd more than
                    // the maximum without truncating; both are the same protocol error.
                    bool truncated = (header.Flags & SocketCalls.MsgCtrunc) != 0;
                    if (truncated || fds.Length > _maxReceiveFds)
                    {
                        int arrived = fds.Length;
                        FileDescriptorHandle.DisposeAll(fds);
                        fds = [];
                        throw new TransportProtocolException(
                            $"the peer sent more fds with one message than the {_maxReceiveFds} this side receives "
                            + (truncated ? "(MSG_CTRUNC)" : $"({arrived})"));
                    }

                    // An end of stream that Dispose made is not the peer's.
                    ObjectDisposedException.ThrowIf(result == 0 && IsDisposed, this);

                    return (int)result;
                }

                int errno = SocketCalls.LastError();
                if (errno == SocketCalls.EIntr)
                {
                    continue;
                }

                if (errno != SocketCalls.EAgain)
                {
                    throw TransportException.FromErrno(errno, $"cannot receive on socket {_handle.Fd}");
                }

                // False means the wakeup fired: cancellation or Dispose, both checked at the loop's top.
                _ = Readiness.Wait(_handle, SocketCalls.PollIn, _receiveWakeup);
            }
        }
    }

    private static FileDescriptorHandle[] Adopt(ReadOnlySpan<int> numbers)
    {
        if (numbers.IsEmpty)
        {
            return [];
        }

        // Every number becomes a handle before anything else can throw, so none is leaked.
        var handles = new FileDescriptorHandle[numbers.Length];
        for (int i = 0; i < numbers.Length; i++)
        {
            handles[i] = new FileDescriptorHandle(numbers[i]);
        }

        return handles;
    }

}
