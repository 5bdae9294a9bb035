using Passage.Host.Devices;

namespace Passage.VfioUser.Tests.Client;

/// <summary>What a scripted peer answers one request with.</summary>
internal sealed record PeerReply
{
    /// <summary>The reply's payload (a successful reply).</summary>
    public byte[] Payload { get; init; } = [];

    /// <summary>Fds sent with the reply or the raw message; they stay open (the script owns them).</summary>
    public int[] Fds { get; init; } = [];

    /// <summary>A failure reply with this errno instead.</summary>
    public Errno Errno { get; init; }

    /// <summary>These bytes, header included, instead of a reply built from the request.</summary>
    public byte[]? Raw { get; init; }

    /// <summary>Close the connection instead of answering.</summary>
    public bool Close { get; init; }

    /// <summary>Send nothing: the request stays unanswered.</summary>
    public bool Silent { get; init; }

    public static PeerReply Ok(byte[] payload, params int[] fds) => new() { Payload = payload, Fds = fds };

    public static PeerReply Fail(Errno errno) => new() { Errno = errno };

    public static PeerReply RawMessage(byte[] message, params int[] fds) => new() { Raw = message, Fds = fds };

    public static PeerReply CloseConnection() => new() { Close = true };

    public static PeerReply Nothing() => new() { Silent = true };
}
