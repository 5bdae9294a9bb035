namespace Passage.VfioUser.Server;

/// <summary>A connection was refused because another client is being served.</summary>
/// <param name="detail">What happened to it: answered EBUSY, or closed before its first message.</param>
public sealed class VfioUserClientRefusedEventArgs(string detail) : EventArgs
{
    /// <summary>What happened to it: answered EBUSY, or closed before its first message.</summary>
    public string Detail { get; } = detail;
}
