using Passage.Host.Devices;

namespace Passage.VfioUser.Transport;

/// <summary><c>accept</c> failed; <see cref="Kind"/> says whether the accept loop logs, backs off or stops.</summary>
public sealed class AcceptException : TransportException
{
    /// <summary>Creates the exception for <paramref name="errno"/>, classified by <see cref="Classify"/>.</summary>
    public AcceptException(Errno errno, string message)
        : base(errno, message) => Kind = Classify(errno);

    /// <summary>Creates the exception with a generic message (errno EIO, fatal).</summary>
    public AcceptException()
        : this(Errno.EIO, "accept failed")
    {
    }

    /// <summary>Creates the exception with a message (errno EIO, fatal).</summary>
    public AcceptException(string message)
        : this(Errno.EIO, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause (errno EIO, fatal).</summary>
    public AcceptException(string message, Exception innerException)
        : base(message, innerException) => Kind = AcceptErrorKind.Fatal;

    /// <summary>What the accept loop should do.</summary>
    public AcceptErrorKind Kind { get; }

    /// <summary>
    /// Sorts an <c>accept</c> errno: a connection that died before it was taken (and the network
    /// errors accept(2) says to treat like EAGAIN) is transient; out of descriptors or memory is
    /// resource pressure; anything else means the listening socket itself is broken.
    /// </summary>
    public static AcceptErrorKind Classify(Errno errno) => (int)errno switch
    {
        SocketCalls.EConnaborted or SocketCalls.EProto or SocketCalls.EPerm or SocketCalls.EConnreset => AcceptErrorKind.Transient,
        // accept(2), "Error handling": pending network errors are reported by accept and mean "try again".
        SocketCalls.ENetdown or SocketCalls.ENoprotoopt or SocketCalls.EHostdown or SocketCalls.ENonet
            or SocketCalls.EHostunreach or SocketCalls.ENetunreach => AcceptErrorKind.Transient,
        SocketCalls.EMfile or SocketCalls.ENfile or SocketCalls.ENobufs or SocketCalls.ENomem => AcceptErrorKind.ResourcePressure,
        _ => AcceptErrorKind.Fatal,
    };
}
