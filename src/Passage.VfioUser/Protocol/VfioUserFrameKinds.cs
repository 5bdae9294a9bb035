namespace Passage.VfioUser.Protocol;

/// <summary>Which message types a stream may carry: a server's main socket takes only commands, a client's takes replies and (without twin socket) the server's DMA commands.</summary>
[Flags]
public enum VfioUserFrameKinds
{
    /// <summary>Type-0 messages.</summary>
    Commands = 1,

    /// <summary>Type-1 messages.</summary>
    Replies = 2,

    /// <summary>Both.</summary>
    Any = Commands | Replies,
}
