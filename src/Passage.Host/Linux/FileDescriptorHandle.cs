using System.Runtime.InteropServices;
using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>Owns one Linux file descriptor and closes it on release.</summary>
public sealed class FileDescriptorHandle : SafeHandle
{
    /// <summary>Creates an invalid handle (the marshaller fills it in).</summary>
    public FileDescriptorHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="fd"/> (or wraps it without owning it).</summary>
    public FileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(invalidHandleValue: -1, ownsHandle) => SetHandle(fd);

    /// <inheritdoc/>
    public override bool IsInvalid => (int)handle < 0;

    /// <summary>The descriptor number; valid only while the handle is open.</summary>
    public int Fd => (int)handle;

    /// <summary>A new close-on-exec descriptor for the same open file (<c>F_DUPFD_CLOEXEC</c>), owned by the caller.</summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    /// <exception cref="HostDeviceException">The kernel refused (EMFILE).</exception>
    public FileDescriptorHandle Duplicate()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            return Duplicate(Fd);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>A new close-on-exec descriptor for the open file <paramref name="fd"/> refers to (<c>F_DUPFD_CLOEXEC</c>), owned by the caller.</summary>
    /// <exception cref="HostDeviceException">EBADF if <paramref name="fd"/> is not open; EMFILE when the process has no descriptor left.</exception>
    public static FileDescriptorHandle Duplicate(int fd)
    {
        FileDescriptorHandle copy = LibC.DuplicateCloseOnExec(fd);
        if (copy.IsInvalid)
        {
            Errno errno = LibC.LastErrno();
            copy.Dispose();
            throw new HostDeviceException(errno, $"cannot duplicate descriptor {fd}: {LibC.Describe(errno)}");
        }

        return copy;
    }

    /// <summary>Disposes every handle in <paramref name="handles"/> (null entries are skipped): the fds a message brought that nobody takes.</summary>
    public static void DisposeAll(ReadOnlySpan<FileDescriptorHandle?> handles)
    {
        foreach (FileDescriptorHandle? handle in handles)
        {
            handle?.Dispose();
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        // close(2) releases the descriptor even when it reports EINTR on Linux, so it is never retried.
        LibC.close((int)handle) == 0;
}
