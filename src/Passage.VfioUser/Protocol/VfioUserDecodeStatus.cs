namespace Passage.VfioUser.Protocol;

/// <summary>What <see cref="VfioUserFrameDecoder.Decode"/> found at the start of the received bytes.</summary>
public enum VfioUserDecodeStatus
{
    /// <summary>Not a whole frame yet: keep the bytes, receive more, decode again from the same start. Never an error.</summary>
    Incomplete,

    /// <summary>A whole, well-formed frame; consume <see cref="VfioUserFrame.Length"/> bytes.</summary>
    Frame,

    /// <summary>A malformed frame; <see cref="VfioUserFrameError.Action"/> says whether to answer it (and consume it) or close.</summary>
    Error,
}
