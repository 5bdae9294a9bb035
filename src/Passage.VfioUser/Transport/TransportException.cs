using System.Runtime.InteropServices;
using Passage.Host.Devices;

namespace Passage.VfioUser.Transport;

/// <summary>A socket call of the vfio-user transport failed; the errno says why (Linux numbering).</summary>
public class TransportException : IOException
{
    /// <summary>Creates the exception for <paramref name="errno"/> with a message saying what failed.</summary>
    public TransportException(Errno errno, string message)
        : base($"{message} ({FormatErrno(errno)})") => Errno = errno;

    /// <summary>Creates the exception with a generic message (errno EIO).</summary>
    public TransportException()
        : this(Errno.EIO, "socket operation failed")
    {
    }

    /// <summary>Creates the exception with a message (errno EIO).</summary>
    public TransportException(string message)
        : this(Errno.EIO, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (errno EIO).</summary>
    public TransportException(string message, Exception innerException)
        : base(message, innerException) => Errno = Errno.EIO;

    /// <summary>The errno, Linux numbering (values without a name in <see cref="Errno"/> keep their number).</summary>
    public Errno Errno { get; }

    /// <summary>The exception for a failed call: <paramref name="action"/> plus the C library's text for <paramref name="errno"/>.</summary>
    internal static TransportException FromErrno(int errno, string action) =>
        new((Errno)errno, $"{action}: {Marshal.GetPInvokeErrorMessage(errno)}");

    private static string FormatErrno(Errno errno) =>
        Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}";
}
