namespace Passage.VfioUser.Protocol;

/// <summary>The header's flags word (vfio-user.md §1). Wire numbers: frozen.</summary>
[Flags]
public enum VfioUserMessageFlags : uint
{
    /// <summary>Type 0: a command.</summary>
    Command = 0,

    /// <summary>Type 1: a reply.</summary>
    Reply = 1,

    /// <summary>Bits 3:0 hold the type.</summary>
    TypeMask = 0xF,

    /// <summary>The sender wants no reply, not even on failure.</summary>
    NoReply = 0x10,

    /// <summary>A failure reply: the header's error field holds an errno.</summary>
    Error = 0x20,
}
