using Passage.Host.Devices;

namespace Passage.VfioUser.Transport;

/// <summary>
/// The peer broke a transport rule the connection cannot recover from (for example more fds in one
/// message than this side receives, which the kernel truncates): close the connection.
/// </summary>
public sealed class TransportProtocolException : TransportException
{
    /// <summary>Creates the exception with a message saying which rule the peer broke (errno EPROTO).</summary>
    public TransportProtocolException(string message)
        : base((Errno)SocketCalls.EProto, message)
    {
    }

    /// <summary>Creates the exception with a generic message (errno EPROTO).</summary>
    public TransportProtocolException()
        : this("the peer broke the transport protocol")
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TransportProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
