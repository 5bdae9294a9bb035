namespace Passage.VfioUser.Transport;

/// <summary>What an accept loop should do about a failed <c>accept</c>.</summary>
public enum AcceptErrorKind
{
    /// <summary>One connection failed (it was aborted before it was taken); log and accept again.</summary>
    Transient,

    /// <summary>The process or system ran out of descriptors or memory; back off, then accept again.</summary>
    ResourcePressure,

    /// <summary>The listening socket is unusable; stop the loop.</summary>
    Fatal,
}
