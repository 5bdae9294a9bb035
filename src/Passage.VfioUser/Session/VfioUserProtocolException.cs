using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Session;

/// <summary>The peer broke the protocol in a way that leaves the stream out of step: the connection must close.</summary>
public sealed class VfioUserProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VfioUserProtocolException()
        : base("the vfio-user peer broke the protocol")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public VfioUserProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public VfioUserProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a frame the decoder refused with <see cref="VfioUserFrameAction.Close"/>.</summary>
    public VfioUserProtocolException(VfioUserFrameFault fault)
        : base($"the vfio-user peer sent a message that cannot be framed ({fault})") => Fault = fault;

    /// <summary>Why the frame was refused, when a frame was.</summary>
    public VfioUserFrameFault? Fault { get; }
}
