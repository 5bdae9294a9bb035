using Passage.Host.Linux;

namespace Passage.VfioUser.Transport;

/// <summary>
/// A non-blocking eventfd that interrupts a thread waiting in <see cref="Readiness.Wait"/>:
/// cancellation and dispose signal it, the waiter resets it and looks at why it woke.
/// </summary>
internal sealed unsafe class Wakeup : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private Wakeup(FileDescriptorHandle handle) => _handle = handle;

    /// <summary>The eventfd, for <c>poll</c>.</summary>
    public FileDescriptorHandle Handle => _handle;

    /// <summary>Creates an unsignalled wakeup (close-on-exec, non-blocking).</summary>
    /// <exception cref="TransportException">The kernel refused (for example EMFILE).</exception>
    public static Wakeup Create()
    {
        FileDescriptorHandle handle = SocketCalls.eventfd(0, SocketCalls.EfdCloexec | SocketCalls.EfdNonblock);
        if (handle.IsInvalid)
        {
            int errno = SocketCalls.LastError();
            handle.Dispose();
            throw TransportException.FromErrno(errno, "cannot create a wakeup eventfd");
        }

        return new Wakeup(handle);
    }

    /// <summary>Wakes the waiter (now, or the next one to wait if none waits yet).</summary>
    public void Signal()
    {
        ulong one = 1;
        try
        {
            // Sound: write reads the 8 bytes of a local that outlives the call. The only failure
            // on a live eventfd is a counter already at its maximum (EAGAIN), which is signalled.
            _ = SocketCalls.write(_handle, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Disposed together with its owner: nobody is left to wake.
        }
    }

    /// <summary>Clears the counter so the next wait blocks again.</summary>
    public void Reset()
    {
        ulong value;
        // Sound: read writes at most the 8 bytes of a local that outlives the call; an empty
        // counter answers EAGAIN, which is the state wanted.
        _ = SocketCalls.read(_handle, &value, sizeof(ulong));
    }

    /// <summary>Closes the eventfd (after any wait holding a reference has returned).</summary>
    public void Dispose() => _handle.Dispose();
}
