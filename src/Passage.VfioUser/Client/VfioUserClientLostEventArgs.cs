namespace Passage.VfioUser.Client;

/// <summary>Why a <see cref="VfioUserClient"/> lost its server: every later call fails with EIO.</summary>
public sealed class VfioUserClientLostEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public VfioUserClientLostEventArgs(string reason, Exception? cause)
    {
        Reason = reason;
        Cause = cause;
    }

    /// <summary>What happened (the server closed the connection, broke the protocol, …).</summary>
    public string Reason { get; }

    /// <summary>The exception that showed it, if one did.</summary>
    public Exception? Cause { get; }
}
