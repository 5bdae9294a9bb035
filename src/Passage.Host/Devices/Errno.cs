namespace Passage.Host.Devices;

/// <summary>Linux x86-64 errno values, so VFIO and vfio-user errors pass through unchanged (host-device.md §1.2).</summary>
public enum Errno
{
    /// <summary>Success.</summary>
    None = 0,

    /// <summary>Operation not permitted (group not viable; no IOMMU group).</summary>
    EPERM = 1,

    /// <summary>No such file or directory (device node absent).</summary>
    ENOENT = 2,

    /// <summary>I/O error (BAR access with decode off, in D3, during reset or recovery).</summary>
    EIO = 5,

    /// <summary>Bad file descriptor.</summary>
    EBADF = 9,

    /// <summary>Try again (device lock contended).</summary>
    EAGAIN = 11,

    /// <summary>Out of memory.</summary>
    ENOMEM = 12,

    /// <summary>Device or resource busy.</summary>
    EBUSY = 16,

    /// <summary>File exists (a descriptor already in an epoll set).</summary>
    EEXIST = 17,

    /// <summary>No such device (no reset scope; INTx without an IRQ).</summary>
    ENODEV = 19,

    /// <summary>Invalid argument.</summary>
    EINVAL = 22,

    /// <summary>Inappropriate ioctl (unsupported index or action; no reset method).</summary>
    ENOTTY = 25,

    /// <summary>No space left (hot-reset info buffer too small).</summary>
    ENOSPC = 28,

    /// <summary>Function not implemented by the backend.</summary>
    ENOSYS = 38,
}
