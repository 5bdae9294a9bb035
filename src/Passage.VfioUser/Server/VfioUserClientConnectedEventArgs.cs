using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

/// <summary>A client negotiated VERSION and is being served.</summary>
/// <param name="sessionId">The session's number, counting from 1 per server.</param>
/// <param name="major">The negotiated major version.</param>
/// <param name="minor">The negotiated minor version.</param>
/// <param name="offer">What the client offered.</param>
/// <param name="answer">What the server answered: the capabilities both sides use.</param>
public sealed class VfioUserClientConnectedEventArgs(int sessionId, ushort major, ushort minor, VersionCapabilities offer, VersionCapabilities answer) : EventArgs
{
    /// <summary>The session's number, counting from 1 per server.</summary>
    public int SessionId { get; } = sessionId;

    /// <summary>The negotiated major version.</summary>
    public ushort Major { get; } = major;

    /// <summary>The negotiated minor version.</summary>
    public ushort Minor { get; } = minor;

    /// <summary>What the client offered.</summary>
    public VersionCapabilities Offer { get; } = offer;

    /// <summary>What the server answered: the capabilities both sides use.</summary>
    public VersionCapabilities Answer { get; } = answer;
}
