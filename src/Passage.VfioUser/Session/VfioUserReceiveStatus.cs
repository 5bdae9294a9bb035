namespace Passage.VfioUser.Session;

/// <summary>What <see cref="VfioUserConnection.Receive"/> found.</summary>
public enum VfioUserReceiveStatus
{
    /// <summary>A whole, well-formed message with the fds that came with it.</summary>
    Message,

    /// <summary>A malformed message the peer must be answered about (the error's errno); it is consumed whole.</summary>
    Refused,

    /// <summary>The peer closed the connection at a message boundary.</summary>
    Closed,
}
