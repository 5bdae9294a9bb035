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
    /// <exception cref="HostDeviceException">The handle is closed, or the kernel refused (EMFILE).</exception>
    public FileDescriptorHandle Duplicate()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            FileDescriptorHandle copy = LibC.DuplicateCloseOnExec(Fd);
            if (copy.IsInvalid)
            {
                Errno errno = LibC.LastErrno();
                copy.Dispose();
                throw new HostDeviceException(errno, $"cannot duplicate descriptor {Fd}: {LibC.Describe(errno)}");
            }

            return copy;
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        // close(2) releases the descriptor even when it reports EINTR on Linux, so it is never retried.
        LibC.close((int)handle) == 0;
}
