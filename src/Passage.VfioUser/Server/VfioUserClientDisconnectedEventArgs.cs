namespace Passage.VfioUser.Server;

/// <summary>A client's session ended and everything it held on the device was released.</summary>
/// <param name="sessionId">The session's number.</param>
/// <param name="reason">Why it ended.</param>
/// <param name="detail">A sentence for the log.</param>
public sealed class VfioUserClientDisconnectedEventArgs(int sessionId, VfioUserDisconnectReason reason, string detail) : EventArgs
{
    /// <summary>The session's number.</summary>
    public int SessionId { get; } = sessionId;

    /// <summary>Why it ended.</summary>
    public VfioUserDisconnectReason Reason { get; } = reason;

    /// <summary>A sentence for the log.</summary>
    public string Detail { get; } = detail;
}
