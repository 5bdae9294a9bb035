namespace Passage.VfioUser.Protocol;

/// <summary>Why a frame was refused.</summary>
public enum VfioUserFrameFault
{
    /// <summary>No fault.</summary>
    None,

    /// <summary>The size field is below the header's own 16 bytes: the next frame's start is unknown.</summary>
    SizeBelowHeader,

    /// <summary>The size field exceeds the decoder's bound: nothing that large is read.</summary>
    SizeAboveLimit,

    /// <summary>The type field is neither command (0) nor reply (1).</summary>
    InvalidType,

    /// <summary>A command where only replies are expected.</summary>
    UnexpectedCommand,

    /// <summary>A reply where only commands are expected.</summary>
    UnexpectedReply,

    /// <summary>A command number the protocol does not have (0, 14, above 18).</summary>
    UnknownCommand,
}
