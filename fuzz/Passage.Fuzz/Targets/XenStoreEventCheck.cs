namespace Passage.Fuzz.Targets;

/// <summary>
/// The watch events a session receives under <see cref="XenStoreTarget"/>, checked as they arrive:
/// every event carries the token of a watch the session registered and has not removed (the target
/// tracks them from the replies, so the set can only be larger than the engine's), and a path of
/// path characters only, never empty.
/// </summary>
internal sealed class XenStoreEventCheck : Passage.Store.IWatchEventSink
{
    private readonly List<byte[]> _tokens = [];

    public void Deliver(ReadOnlySpan<byte> path, ReadOnlySpan<byte> token)
    {
        FuzzCheckException.That(!path.IsEmpty, "a watch event with an empty path");
        foreach (byte b in path)
        {
            FuzzCheckException.That(b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'/' or (byte)'_' or (byte)'@', $"a watch event path holds byte 0x{b:X2}");
        }

        foreach (byte[] registered in _tokens)
        {
            if (token.SequenceEqual(registered))
            {
                return;
            }
        }

        throw new FuzzCheckException("a watch event for a token no watch of the session carries");
    }

    /// <summary>A WATCH with <paramref name="token"/> answered OK.</summary>
    public void Registered(byte[] token) => _tokens.Add(token);

    /// <summary>An UNWATCH with <paramref name="token"/> answered OK: one watch with it is gone.</summary>
    public void Unregistered(byte[] token)
    {
        int at = _tokens.FindIndex(t => t.AsSpan().SequenceEqual(token));
        FuzzCheckException.That(at >= 0, "UNWATCH answered OK for a token no watch carries");
        _tokens.RemoveAt(at);
    }

    /// <summary>RESET_WATCHES answered OK: no watch is left.</summary>
    public void Reset() => _tokens.Clear();
}
