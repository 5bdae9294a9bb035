namespace Passage.VfioUser.Protocol;

/// <summary>What the receiver of a malformed frame does.</summary>
public enum VfioUserFrameAction
{
    /// <summary>Consume the whole frame and answer it with a failure reply carrying the errno (nothing when the command asked for no reply).</summary>
    ReplyWithError,

    /// <summary>The stream cannot be trusted past this point: close the connection.</summary>
    Close,
}
