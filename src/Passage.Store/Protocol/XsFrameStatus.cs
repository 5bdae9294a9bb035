namespace Passage.Store.Protocol;

/// <summary>What <see cref="XsFrameDecoder"/> found at the start of the received bytes.</summary>
public enum XsFrameStatus
{
    /// <summary>Not a whole frame yet: keep the bytes, receive more and decode again from the same start. Never an error.</summary>
    Incomplete,

    /// <summary>A whole frame: header and payload are given; consume its bytes.</summary>
    Frame,

    /// <summary>The header announces a payload above <see cref="XsHeader.MaxPayload"/>: close the connection (store.md §1, §9).</summary>
    TooLarge,
}
