namespace Passage.VfioUser.Protocol;

/// <summary>Fixed facts of the protocol as Passage speaks it (vfio-user.md §1, §3). Wire numbers: frozen.</summary>
public static class VfioUserProtocol
{
    /// <summary>Size of the message header; every message starts with one.</summary>
    public const int HeaderSize = 16;

    /// <summary>The major version Passage speaks; the only one there is.</summary>
    public const ushort MajorVersion = 0;

    /// <summary>The minor version Passage speaks (libvfio-user's 0.2); it supports every lower minor.</summary>
    public const ushort MinorVersion = 2;

    /// <summary>The largest errno a failure reply may carry; anything above it (or ≤ 0) reads as EINVAL.</summary>
    public const int MaxErrno = 4096;
}
