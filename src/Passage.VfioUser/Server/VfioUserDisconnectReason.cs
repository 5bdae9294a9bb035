namespace Passage.VfioUser.Server;

/// <summary>Why a client's session ended.</summary>
public enum VfioUserDisconnectReason
{
    /// <summary>The client closed the connection (or its process died and the kernel closed it).</summary>
    Closed,

    /// <summary>The client broke the protocol: a message that cannot be framed, VERSION not first or not agreeable, a reply nobody asked for.</summary>
    ProtocolError,

    /// <summary>The socket failed (for example a connection reset while sending).</summary>
    ConnectionFailed,

    /// <summary>The client did not answer a DMA request in time.</summary>
    Unresponsive,

    /// <summary>The server was disposed.</summary>
    Stopped,

    /// <summary>An unexpected failure inside the server; the session was closed to keep the server serving.</summary>
    InternalError,
}
