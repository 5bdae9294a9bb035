using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>
/// A Linux eventfd: an 8-byte kernel counter that interrupts cross the device seam as
/// (host-device.md §8.4). Signalling adds to the counter; reading returns it and resets it to 0.
/// </summary>
public sealed class EventFd : IDisposable
{
    private const string AnonEventFdTarget = "anon_inode:[eventfd]";

    private readonly FileDescriptorHandle _handle;

    // A duplicate shares its file description, so O_NONBLOCK is whatever the original had;
    // blocking descriptions are read only after poll says a value is there.
    private readonly bool _nonBlocking;
    private readonly Lock _waitersLock = new();
    private readonly List<TaskCompletionSource> _waiters = [];
    private ulong _pollerKey;
    private bool _pollerArmed;
    private bool _disposed;

    private EventFd(FileDescriptorHandle handle, bool nonBlocking)
    {
        _handle = handle;
        _nonBlocking = nonBlocking;
    }

    /// <summary>The descriptor number, to hand to the kernel or another process.</summary>
    public int Fd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle.Fd;
        }
    }

    /// <summary>Creates a new eventfd with counter 0, close-on-exec and non-blocking.</summary>
    /// <exception cref="HostDeviceException">The kernel refused (for example ENFILE/EMFILE).</exception>
    public static EventFd Create()
    {
        FileDescriptorHandle handle = LibC.eventfd(0, LibC.EfdCloexec | LibC.EfdNonblock);
        if (handle.IsInvalid)
        {
            Errno errno = LibC.LastErrno();
            handle.Dispose();
            throw new HostDeviceException(errno, $"cannot create an eventfd: {LibC.Describe(errno)}");
        }

        return new EventFd(handle, nonBlocking: true);
    }

    /// <summary>
    /// Keeps an own reference to an eventfd a caller passed (a close-on-exec duplicate of the same
    /// kernel object), as the kernel's eventfd_ctx_fdget does; the caller may close its fd afterwards.
    /// </summary>
    /// <exception cref="HostDeviceException">EBADF if <paramref name="fd"/> is not open; EINVAL if it is not an eventfd.</exception>
    public static EventFd FromDuplicate(int fd)
    {
        FileDescriptorHandle handle = FileDescriptorHandle.Duplicate(fd);
        int copy = handle.Fd;
        try
        {
            if (!IsEventFd(copy))
            {
                throw new HostDeviceException(Errno.EINVAL, $"descriptor {fd} is not an eventfd");
            }

            int statusFlags = LibC.fcntl(copy, LibC.FGetfl, 0);
            if (statusFlags < 0)
            {
                Errno errno = LibC.LastErrno();
                throw new HostDeviceException(errno, $"cannot read the flags of eventfd {fd}: {LibC.Describe(errno)}");
            }

            return new EventFd(handle, (statusFlags & LibC.ONonblock) != 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Adds <paramref name="value"/> to the counter (an interrupt); does not allocate.</summary>
    /// <exception cref="HostDeviceException">EINVAL for 0xFFFF_FFFF_FFFF_FFFF; EAGAIN if the counter would overflow.</exception>
    public unsafe void Signal(ulong value = 1)
    {
        while (true)
        {
            // Sound: the write reads exactly the 8 bytes of a local that outlives the call.
            nint written = LibC.write(_handle, &value, sizeof(ulong));
            if (written == sizeof(ulong))
            {
                return;
            }

            Errno errno = written < 0 ? LibC.LastErrno() : Errno.EIO;
            if ((int)errno != LibC.EIntr)
            {
                throw new HostDeviceException(errno, $"cannot signal eventfd {_handle.Fd}: {LibC.Describe(errno)}");
            }
        }
    }

    /// <summary>Reads and resets the counter without blocking; false when it is 0.</summary>
    /// <exception cref="HostDeviceException">The read failed for another reason than an empty counter.</exception>
    public unsafe bool TryRead(out ulong count)
    {
        count = 0;
        if (!_nonBlocking && !PollReadable(0))
        {
            return false;
        }

        ulong value = 0;
        while (true)
        {
            // Sound: the read writes at most the 8 bytes of a local that outlives the call.
            nint read = LibC.read(_handle, &value, sizeof(ulong));
            if (read == sizeof(ulong))
            {
                count = value;
                return true;
            }

            Errno errno = read < 0 ? LibC.LastErrno() : Errno.EIO;
            if ((int)errno == LibC.EAgain)
            {
                return false;
            }

            if ((int)errno != LibC.EIntr)
            {
                throw new HostDeviceException(errno, $"cannot read eventfd {_handle.Fd}: {LibC.Describe(errno)}");
            }
        }
    }

    /// <summary>Waits until the counter is non-zero or <paramref name="timeout"/> passes; does not read it.</summary>
    /// <returns>True when the counter is non-zero.</returns>
    public bool Wait(TimeSpan timeout)
    {
        long milliseconds = timeout == Timeout.InfiniteTimeSpan ? -1 : (long)Math.Ceiling(timeout.TotalMilliseconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(milliseconds, -1, nameof(timeout));
        return PollReadable((int)Math.Min(milliseconds, int.MaxValue));
    }

    /// <summary>Waits for the counter to become non-zero without holding a thread, then reads and resets it.</summary>
    public async ValueTask<ulong> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryRead(out ulong count))
            {
                return count;
            }

            // Readiness is only a hint: another reader may take the value first, so loop.
            await WaitReadableAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes this reference; the kernel object lives on while other descriptors refer to it.</summary>
    public void Dispose()
    {
        List<TaskCompletionSource> waiters;
        lock (_waitersLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            waiters = [.. _waiters];
            _waiters.Clear();
            if (_pollerKey != 0)
            {
                // epoll keeps a registration until the last reference to the file description
                // closes, and a duplicate keeps it open: remove it explicitly before closing.
                EventFdPoller.Shared.Remove(_pollerKey, _handle);
                _pollerKey = 0;
            }
        }

        foreach (TaskCompletionSource waiter in waiters)
        {
            waiter.TrySetException(new ObjectDisposedException(nameof(EventFd)));
        }

        _handle.Dispose();
    }

    /// <summary>Called by the poller thread when the descriptor became readable.</summary>
    internal void OnReadable()
    {
        List<TaskCompletionSource> waiters;
        lock (_waitersLock)
        {
            _pollerArmed = false;
            if (_waiters.Count == 0)
            {
                return;
            }

            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (TaskCompletionSource waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }

    private static bool IsEventFd(int fd)
    {
        try
        {
            string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            return target is null || target == AnonEventFdTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without /proc the kind cannot be checked; the kernel refuses a wrong fd later anyway.
            return true;
        }
    }

    private async Task WaitReadableAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_pollerArmed)
            {
                // One-shot and level-triggered: arming when the counter is already non-zero
                // reports at once, so a signal between TryRead and here is not lost.
                _pollerKey = EventFdPoller.Shared.Arm(this, _handle, _pollerKey);
                _pollerArmed = true;
            }

            _waiters.Add(waiter);
        }

        await using CancellationTokenRegistration registration = cancellationToken.Register(() =>
        {
            lock (_waitersLock)
            {
                _waiters.Remove(waiter);
            }

            waiter.TrySetCanceled(cancellationToken);
        });
        await waiter.Task.ConfigureAwait(false);
    }

    private unsafe bool PollReadable(int timeoutMilliseconds)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var pollFd = new LibC.PollFd { Fd = _handle.Fd, Events = LibC.PollIn };
            while (true)
            {
                // Sound: poll reads and writes the one pollfd local for the duration of the call.
                int ready = LibC.poll(&pollFd, 1, timeoutMilliseconds);
                if (ready >= 0)
                {
                    return ready > 0 && (pollFd.Revents & LibC.PollIn) != 0;
                }

                Errno errno = LibC.LastErrno();
                if ((int)errno != LibC.EIntr)
                {
                    throw new HostDeviceException(errno, $"cannot poll eventfd {_handle.Fd}: {LibC.Describe(errno)}");
                }
            }
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
