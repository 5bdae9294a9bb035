using System.Buffers;
using System.Text;
using Passage.Store.Protocol;

namespace Passage.Fuzz.Targets;

/// <summary>
/// The seed corpus of <see cref="XenStoreTarget"/>, built with the protocol's writers: a valid
/// request of every message type, short streams that open and end transactions, fire watches and
/// exercise domains, the same requests from the unprivileged domain, a pipelined stream, a
/// truncated frame and an oversized header. Each seed starts with the target's speaker byte (0:
/// dom0, 1: domain 5). <c>Passage.Fuzz xenstore --write-seeds DIR</c> writes them;
/// <c>fuzz/corpus/xenstore/</c> holds the result.
/// </summary>
public static class XenStoreSeeds
{
    private const byte Dom0 = 0;
    private const byte Guest = 1;

    /// <summary>Every seed by file name.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        const string state = "/local/domain/0/backend/vif/5/0/state";

        yield return ("write-value-with-nuls", Stream(Dom0, Request(XsMessageType.Write, 1, 0, Value("/local/domain/0/data", [(byte)'a', 0, (byte)'b', 0, 0, (byte)'c']))));
        yield return ("read", Stream(Dom0, Request(XsMessageType.Read, 1, 0, Fields(state))));
        yield return ("mkdir", Stream(Dom0, Request(XsMessageType.Mkdir, 1, 0, Fields("/local/domain/0/device/vbd"))));
        yield return ("rm", Stream(Dom0, Request(XsMessageType.Rm, 1, 0, Fields("/local/domain/0/backend"))));
        yield return ("directory", Stream(Dom0, Request(XsMessageType.Directory, 1, 0, Fields("/local/domain"))));
        yield return ("directory-part", Stream(Dom0, Request(XsMessageType.DirectoryPart, 1, 0, Fields("/local/domain", "0"))));
        yield return ("get-perms", Stream(Dom0, Request(XsMessageType.GetPerms, 1, 0, Fields("/local/domain/5"))));
        yield return ("set-perms", Stream(Dom0, Request(XsMessageType.SetPerms, 1, 0, Fields(state, "n0", "r5", "b7", "w9"))));
        yield return ("watch", Stream(Dom0, Request(XsMessageType.Watch, 1, 0, Fields("/local/domain/5", "tok"))));
        yield return ("watch-unwatch", Stream(
            Dom0,
            Request(XsMessageType.Watch, 1, 0, Fields("/local", "a")),
            Request(XsMessageType.Unwatch, 2, 0, Fields("/local", "a"))));
        yield return ("watch-then-change", Stream(
            Dom0,
            Request(XsMessageType.Watch, 1, 0, Fields("/local/domain/0/backend", "be", "2")),
            Request(XsMessageType.Write, 2, 0, Value(state, "5"u8)),
            Request(XsMessageType.Rm, 3, 0, Fields("/local/domain/0/backend/vif"))));
        yield return ("transaction-commit", Stream(
            Dom0,
            Request(XsMessageType.Watch, 1, 0, Fields("/local/domain/0", "home")),
            Request(XsMessageType.TransactionStart, 2, 0, Fields(string.Empty)),
            Request(XsMessageType.Read, 3, 1, Fields("/local/domain/0/backend/vif/5/0/state")),
            Request(XsMessageType.Write, 4, 1, Value("/local/domain/0/device/vif/0/state", "1"u8)),
            Request(XsMessageType.Write, 5, 1, Value("/local/domain/0/device/vif/0/mac", "00:16:3e:00:00:01"u8)),
            Request(XsMessageType.TransactionEnd, 6, 1, Fields("T"))));
        yield return ("transaction-abort", Stream(
            Dom0,
            Request(XsMessageType.TransactionStart, 1, 0, Fields(string.Empty)),
            Request(XsMessageType.Write, 2, 1, Value("/local/domain/0/x", "1"u8)),
            Request(XsMessageType.Rm, 3, 1, Fields("/local/domain/5")),
            Request(XsMessageType.TransactionEnd, 4, 1, Fields("F"))));
        yield return ("transaction-conflict", Stream(
            Dom0,
            Request(XsMessageType.TransactionStart, 1, 0, Fields(string.Empty)),
            Request(XsMessageType.Read, 2, 1, Fields(state)),
            Request(XsMessageType.Write, 3, 0, Value(state, "6"u8)),
            Request(XsMessageType.Write, 4, 1, Value(state, "7"u8)),
            Request(XsMessageType.TransactionEnd, 5, 1, Fields("T"))));
        yield return ("transaction-start-empty", Stream(Dom0, Request(XsMessageType.TransactionStart, 1, 0, [])));
        yield return ("introduce", Stream(Dom0, Request(XsMessageType.Introduce, 1, 0, Fields("7", "4096", "3"))));
        yield return ("release", Stream(
            Dom0,
            Request(XsMessageType.Watch, 1, 0, Fields("@releaseDomain", "gone")),
            Request(XsMessageType.Release, 2, 0, Fields("5"))));
        yield return ("is-domain-introduced", Stream(Dom0, Request(XsMessageType.IsDomainIntroduced, 1, 0, Fields("5"))));
        yield return ("get-domain-path", Stream(Dom0, Request(XsMessageType.GetDomainPath, 1, 0, Fields("5"))));
        yield return ("set-target", Stream(
            Dom0,
            Request(XsMessageType.Introduce, 1, 0, Fields("6", "1", "1")),
            Request(XsMessageType.SetTarget, 2, 0, Fields("6", "5"))));
        yield return ("resume", Stream(Dom0, Request(XsMessageType.Resume, 1, 0, Fields("5"))));
        yield return ("reset-watches", Stream(
            Dom0,
            Request(XsMessageType.Watch, 1, 0, Fields("/", "all")),
            Request(XsMessageType.TransactionStart, 2, 0, Fields(string.Empty)),
            Request(XsMessageType.ResetWatches, 3, 0, Fields(string.Empty))));
        yield return ("control-help", Stream(Dom0, Request(XsMessageType.Control, 1, 0, Fields("help"))));
        yield return ("control-check", Stream(Dom0, Request(XsMessageType.Control, 1, 0, Fields("check"))));
        yield return ("unknown-type", Stream(Dom0, Request((XsMessageType)99, 1, 0, Fields("/local"))));
        yield return ("len-zero", Stream(Dom0, Request(XsMessageType.Read, 1, 0, [])));
        yield return ("pipelined", Stream(
            Dom0,
            Request(XsMessageType.Write, 1, 0, Value("/a/b", "v"u8)),
            Request(XsMessageType.Read, 2, 0, Fields("/a/b")),
            Request(XsMessageType.Directory, 3, 0, Fields("/a")),
            Request(XsMessageType.GetPerms, 4, 0, Fields("/a/b")),
            Request(XsMessageType.Rm, 5, 0, Fields("/a")),
            Request(XsMessageType.Read, 6, 0, Fields("/a/b"))));
        yield return ("truncated", Stream(Dom0, Request(XsMessageType.Write, 1, 0, Value("/local/domain/0/data", "value"u8))[..^2]));
        yield return ("oversized-header", Stream(
            Dom0,
            Header(XsMessageType.Write, 1, 0, XsHeader.MaxPayload + 1),
            Request(XsMessageType.Read, 2, 0, Fields(state))));

        yield return ("guest-write-home", Stream(Guest, Request(XsMessageType.Write, 1, 0, Value("data", "v"u8))));
        yield return ("guest-read-backend", Stream(Guest, Request(XsMessageType.Read, 1, 0, Fields(state))));
        yield return ("guest-write-backend-denied", Stream(Guest, Request(XsMessageType.Write, 1, 0, Value(state, "6"u8))));
        yield return ("guest-introduce-denied", Stream(Guest, Request(XsMessageType.Introduce, 1, 0, Fields("8", "1", "1"))));
        yield return ("guest-owner-change-denied", Stream(Guest, Request(XsMessageType.SetPerms, 1, 0, Fields("/local/domain/5", "n6"))));
        yield return ("guest-relative-watch", Stream(
            Guest,
            Request(XsMessageType.Watch, 1, 0, Fields("device", "dev")),
            Request(XsMessageType.Mkdir, 2, 0, Fields("device/vif/0")),
            Request(XsMessageType.Write, 3, 0, Value("device/vif/0/state", "1"u8))));
    }

    private static byte[] Stream(byte speaker, params byte[][] requests)
    {
        var stream = new ArrayBufferWriter<byte>();
        stream.Write([speaker]);
        foreach (byte[] request in requests)
        {
            stream.Write(request);
        }

        return stream.WrittenSpan.ToArray();
    }

    private static byte[] Request(XsMessageType type, uint requestId, uint transactionId, byte[] payload)
    {
        var frame = new ArrayBufferWriter<byte>();
        XsFrameWriter.Write(frame, type, requestId, transactionId, payload);
        return frame.WrittenSpan.ToArray();
    }

    private static byte[] Header(XsMessageType type, uint requestId, uint transactionId, uint length)
    {
        byte[] header = new byte[XsHeader.Size];
        new XsHeader(type, requestId, transactionId, length).Write(header);
        return header;
    }

    /// <summary>NUL-terminated fields (an empty string gives the lone NUL clients send for "no argument").</summary>
    private static byte[] Fields(params string[] fields)
    {
        var payload = new ArrayBufferWriter<byte>();
        foreach (string field in fields)
        {
            XsPayload.WriteField(payload, Encoding.ASCII.GetBytes(field));
        }

        return payload.WrittenSpan.ToArray();
    }

    /// <summary>A WRITE payload: the path's field, then the raw value to the end.</summary>
    private static byte[] Value(string path, ReadOnlySpan<byte> value) => [.. Fields(path), .. value];
}
