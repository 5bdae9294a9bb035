using System.Runtime.InteropServices;
using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>
/// A listening <c>AF_UNIX</c> stream socket bound to a filesystem path, for a vfio-user server.
/// </summary>
/// <remarks>
/// <see cref="Accept"/> blocks the calling thread (the server's accept loop owns one thread) in
/// <c>poll</c> on a non-blocking listening socket, so a cancellation token or <see cref="Dispose"/>
/// ends the wait. Binding replaces a stale socket file left by an earlier run but refuses to delete
/// anything that is not a socket; the file's mode is set after bind and before listen, so no client
/// can connect while it has the umask's mode. Dispose removes the socket file if it is still the
/// one this listener created.
/// </remarks>
public sealed unsafe class UnixListener : IDisposable
{
    /// <summary>The default mode of the socket file: owner read and write (0600).</summary>
    public const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The default listen backlog.</summary>
    public const int DefaultBacklog = 16;

    private readonly FileDescriptorHandle _handle;
    private readonly Wakeup _wakeup;
    private readonly PathStatus _file;
    private readonly UnixSocketOptions _options;
    private int _accepting;
    private int _disposed;

    private UnixListener(string path, FileDescriptorHandle handle, Wakeup wakeup, PathStatus file, UnixSocketOptions options)
    {
        Path = path;
        _handle = handle;
        _wakeup = wakeup;
        _file = file;
        _options = options;
    }

    /// <summary>The path of the socket file.</summary>
    public string Path { get; }

    /// <summary>The socket file's permission bits (0600 unless set otherwise).</summary>
    /// <exception cref="TransportException">The mode could not be read or changed.</exception>
    public UnixFileMode Mode
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return PathStatus.TryRead(Path, out PathStatus status)
                ? status.Permissions
                : throw new TransportException(Errno.ENOENT, $"the socket file {Path} is gone");
        }

        set
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            PathStatus.SetPermissions(Path, value);
        }
    }

    /// <summary>
    /// Binds a listening socket at <paramref name="path"/>, first deleting a stale socket file
    /// there, sets the file's <paramref name="mode"/> and starts listening.
    /// </summary>
    /// <param name="path">The socket file (at most 107 bytes of UTF-8).</param>
    /// <param name="mode">The file's permission bits; 0600 by default.</param>
    /// <param name="options">Fd limits for accepted connections.</param>
    /// <param name="backlog">Connections the kernel queues before <see cref="Accept"/> takes them.</param>
    /// <exception cref="TransportException">
    /// Something that is not a socket is at <paramref name="path"/> (EEXIST; it is left alone), a
    /// server is listening there (EADDRINUSE), or a socket call failed.
    /// </exception>
    public static UnixListener Bind(
        string path,
        UnixFileMode mode = DefaultMode,
        UnixSocketOptions? options = null,
        int backlog = DefaultBacklog)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(backlog);
        Span<byte> address = stackalloc byte[SocketCalls.SockaddrUnSize];
        uint addressLength = UnixSocketAddress.Write(path, address);
        RemoveStaleSocketFile(path, address[..(int)addressLength]);

        FileDescriptorHandle handle = SocketCalls.socket(
            SocketCalls.AfUnix, SocketCalls.SockStream | SocketCalls.SockCloexec | SocketCalls.SockNonblock, 0);
        if (handle.IsInvalid)
        {
            int errno = SocketCalls.LastError();
            handle.Dispose();
            throw TransportException.FromErrno(errno, "cannot create a Unix socket");
        }

        bool bound = false;
        Wakeup? wakeup = null;
        try
        {
            int result;
            fixed (byte* pointer = address)
            {
                // Sound: bind reads addressLength (≤ 110) bytes of the stack buffer during the call.
                result = SocketCalls.bind(handle, pointer, addressLength);
            }

            if (result != 0)
            {
                throw TransportException.FromErrno(SocketCalls.LastError(), $"cannot bind {path}");
            }

            bound = true;
            PathStatus.SetPermissions(path, mode);
            if (!PathStatus.TryRead(path, out PathStatus file))
            {
                throw new TransportException(Errno.ENOENT, $"{path} vanished right after bind");
            }

            if (SocketCalls.listen(handle, backlog) != 0)
            {
                throw TransportException.FromErrno(SocketCalls.LastError(), $"cannot listen on {path}");
            }

            wakeup = Wakeup.Create();
            return new UnixListener(path, handle, wakeup, file, options ?? UnixSocketOptions.Default);
        }
        catch
        {
            wakeup?.Dispose();
            handle.Dispose();
            if (bound)
            {
                _ = SocketCalls.unlink(path);
            }

            throw;
        }
    }

    /// <summary>
    /// Waits for a client and returns its connection (close-on-exec, with this listener's fd limits).
    /// One accept runs at a time.
    /// </summary>
    /// <exception cref="AcceptException">accept failed; its <see cref="AcceptException.Kind"/> says whether to log, back off or stop.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    /// <exception cref="ObjectDisposedException">The listener was disposed, before or during the wait.</exception>
    /// <exception cref="InvalidOperationException">Another accept is running.</exception>
    public UnixSocket Accept(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _accepting, 1) != 0)
        {
            throw new InvalidOperationException("another accept is running on this listener");
        }

        bool added = false;
        CancellationTokenRegistration registration = default;
        try
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            _handle.DangerousAddRef(ref added);
            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static state => ((Wakeup)state!).Signal(), _wakeup);
            }

            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                FileDescriptorHandle client = SocketCalls.accept4(_handle, null, null, SocketCalls.SockCloexec);
                if (!client.IsInvalid)
                {
                    try
                    {
                        // accept4 does not pass the listener's O_NONBLOCK on; the connection uses MSG_DONTWAIT.
                        return UnixSocket.Adopt(client, _options);
                    }
                    catch (TransportException e)
                    {
                        // The connection's own resources (its wakeup eventfd) could not be made.
                        client.Dispose();
                        throw new AcceptException(e.Errno, $"cannot take a connection on {Path}: {e.Message}");
                    }
                }

                int errno = SocketCalls.LastError();
                client.Dispose();
                if (errno == SocketCalls.EIntr)
                {
                    continue;
                }

                if (errno == SocketCalls.EAgain)
                {
                    // False means the wakeup fired: cancellation or Dispose, both checked at the loop's top.
                    _ = Readiness.Wait(_handle, SocketCalls.PollIn, _wakeup);
                    continue;
                }

                // Dispose shuts the listening socket down, after which accept fails with EINVAL.
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                throw new AcceptException(
                    (Errno)errno,
                    $"cannot accept on {Path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            registration.Dispose();
            if (added)
            {
                _handle.DangerousRelease();
            }

            Volatile.Write(ref _accepting, 0);
        }
    }

    /// <summary>
    /// Stops listening (a waiting <see cref="Accept"/> throws <see cref="ObjectDisposedException"/>),
    /// closes the socket and removes the socket file unless something else has replaced it.
    /// Connections already accepted are not affected.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // Wakes a waiting accept; it then finds the listener disposed.
            _ = SocketCalls.shutdown(_handle, SocketCalls.ShutRdwr);
        }
        catch (ObjectDisposedException)
        {
        }

        _wakeup.Signal();
        _handle.Dispose();
        _wakeup.Dispose();
        try
        {
            if (PathStatus.TryRead(Path, out PathStatus current) && current.IsSameFile(_file))
            {
                _ = SocketCalls.unlink(Path);
            }
        }
        catch (TransportException)
        {
            // The path cannot be inspected any more (a parent directory went away): nothing to remove.
        }
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    private static void RemoveStaleSocketFile(string path, ReadOnlySpan<byte> address)
    {
        if (!PathStatus.TryRead(path, out PathStatus status))
        {
            return;
        }

        if (!status.IsSocket)
        {
            throw new TransportException(Errno.EEXIST, $"refusing to replace {path}: it is {status.Describe()}, not a socket");
        }

        if (IsListenedOn(path, address))
        {
            throw new TransportException((Errno)SocketCalls.EAddrinuse, $"another server is listening on {path}");
        }

        // A socket file outlives the process that bound it; nobody answers on this one, so it is stale.
        if (SocketCalls.unlink(path) != 0)
        {
            int errno = SocketCalls.LastError();
            if (errno != SocketCalls.ENoent)
            {
                throw TransportException.FromErrno(errno, $"cannot remove the stale socket file {path}");
            }
        }
    }

    /// <summary>
    /// Probes a socket file with a non-blocking connect: a live server accepts it (or its full
    /// backlog answers EAGAIN); a stale file answers ECONNREFUSED. The probe connection is closed
    /// at once and never sends a byte.
    /// </summary>
    private static bool IsListenedOn(string path, ReadOnlySpan<byte> address)
    {
        using FileDescriptorHandle probe = SocketCalls.socket(
            SocketCalls.AfUnix, SocketCalls.SockStream | SocketCalls.SockCloexec | SocketCalls.SockNonblock, 0);
        if (probe.IsInvalid)
        {
            throw TransportException.FromErrno(SocketCalls.LastError(), "cannot create a Unix socket");
        }

        while (true)
        {
            int result;
            fixed (byte* pointer = address)
            {
                // Sound: connect reads address.Length (≤ 110) bytes of the caller's buffer during the call.
                result = SocketCalls.connect(probe, pointer, (uint)address.Length);
            }

            int errno = result == 0 ? 0 : SocketCalls.LastError();
            switch (errno)
            {
                case 0:
                case SocketCalls.EAgain:
                    return true;
                case SocketCalls.EConnrefused:
                case SocketCalls.ENoent:
                    return false;
                case SocketCalls.EIntr:
                    continue;
                default:
                    throw TransportException.FromErrno(errno, $"cannot probe the socket file {path}");
            }
        }
    }
}
