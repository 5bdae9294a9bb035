namespace Passage.Host.Devices;

/// <summary>A host-device operation failed with a Linux errno (every member but the hot-path Read/Write throws it).</summary>
public sealed class HostDeviceException : Exception
{
    /// <summary>Creates the exception for <paramref name="errno"/> with a message saying what failed.</summary>
    public HostDeviceException(Errno errno, string message)
        : base($"{message} ({errno})") => Errno = errno;

    /// <summary>Creates the exception with a generic message.</summary>
    public HostDeviceException()
        : this(Errno.EINVAL, "host device operation failed")
    {
    }

    /// <summary>Creates the exception with a message (errno EINVAL).</summary>
    public HostDeviceException(string message)
        : this(Errno.EINVAL, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (errno EIO).</summary>
    public HostDeviceException(string message, Exception innerException)
        : base(message, innerException) => Errno = Errno.EIO;

    /// <summary>The errno, Linux numbering.</summary>
    public Errno Errno { get; }
}
