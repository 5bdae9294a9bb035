using System.Buffers;
using Passage.Store;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Protocol;

namespace Passage.Fuzz.Targets;

/// <summary>
/// The XenStore wire path under arbitrary bytes. The first byte picks who speaks (even: dom0; odd:
/// the unprivileged domain 5, so the permission paths run); the rest is a stream of pipelined
/// requests, cut by <see cref="XsFrameDecoder"/> as the server's connection loop cuts it (a header
/// announcing more than 4096 bytes ends the stream, as the server closes the connection) and handed
/// one by one to a session of an in-memory <see cref="StoreEngine"/>. The decoder's every decision
/// is recomputed from the bytes, and every reply is checked the slow way: whole frames, the
/// request's ids, the request's type or ERROR with a listed name, WATCH's OK followed by exactly
/// one event, nothing over the payload limit, no exception and no internal failure. After the
/// stream, CONTROL <c>check</c> as dom0 must answer OK, with the session open and after it closed,
/// and a store reopened from the change sets the engine committed must read the same as the live
/// one (nodes, values, permissions, child order, generations, domains).
/// </summary>
public static class XenStoreTarget
{
    /// <summary>The target's name on the command line.</summary>
    public const string Name = "xenstore";

    /// <summary>The unprivileged domain an odd first byte speaks as; the store gives it a home before the stream.</summary>
    public const int GuestDomain = 5;

    private const int HeaderSize = 16;
    private const int MaxPayload = 4096;

    private static readonly string[] ErrorNames =
    [
        "EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO",
        "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM",
    ];

    /// <summary>Runs the input; returns the frames handed to the engine.</summary>
    public static int Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return 0;
        }

        int domainId = (input[0] & 1) == 0 ? 0 : GuestDomain;
        var failures = new XenStoreFailureLog();
        var committed = new XenStoreImagePersistence();
        using var engine = new StoreEngine(committed, new StoreOptions { Logger = failures });
        var output = new ArrayBufferWriter<byte>(1024);
        using IStoreSession admin = engine.Open(0, new XenStoreEventCheck());
        Prepare(admin, output);

        var events = new XenStoreEventCheck();
        IStoreSession session = engine.Open(domainId, events);
        int handled = 0;
        try
        {
            ReadOnlySpan<byte> rest = input[1..];
            while (true)
            {
                XsFrameStatus status = XsFrameDecoder.Decode(rest, out XsHeader header, out ReadOnlySpan<byte> payload, out int consumed);
                if (!CheckDecision(rest, status, header, payload, consumed))
                {
                    break;
                }

                output.ResetWrittenCount();
                try
                {
                    session.Handle(header, payload, output);
                }
                catch (Exception e)
                {
                    throw new FuzzCheckException($"request {handled} ({header.Type}) threw", e);
                }

                if (failures.Logged)
                {
                    failures.ThrowIfAny($"request {handled} ({header.Type})");
                }

                CheckReply(header, payload, output.WrittenSpan, events);
                handled++;
                rest = rest[consumed..];
            }

            CheckTree(admin, output, failures, "with the session open");
        }
        finally
        {
            session.Dispose();
        }

        failures.ThrowIfAny("closing the session");
        CheckTree(admin, output, failures, "after the session closed");
        CheckReload(admin, committed.Image, failures);
        return handled;
    }

    /// <summary>A store opened from what the engine committed holds the same tree, generations and domains.</summary>
    private static void CheckReload(IStoreSession admin, StoreImage image, XenStoreFailureLog failures)
    {
        using var reloaded = new StoreEngine(new XenStoreImagePersistence(image), new StoreOptions { Logger = failures });
        using IStoreSession reloadedAdmin = reloaded.Open(0, new XenStoreEventCheck());
        CheckTree(reloadedAdmin, new ArrayBufferWriter<byte>(64), failures, "of the store reloaded from its committed state");
        List<string> live = XenStoreTreeDump.Of(admin);
        List<string> again = XenStoreTreeDump.Of(reloadedAdmin);
        for (int i = 0; i < Math.Min(live.Count, again.Count); i++)
        {
            FuzzCheckException.That(live[i] == again[i], $"reloaded from its committed state, the store differs: '{live[i]}' became '{again[i]}'");
        }

        FuzzCheckException.That(live.Count == again.Count, $"reloaded from its committed state, the store has {again.Count} lines of dump instead of {live.Count}");
    }

    /// <summary>The tree every input starts from: domain 5 introduced, with a home it owns and a backend directory it may read.</summary>
    private static void Prepare(IStoreSession admin, ArrayBufferWriter<byte> output)
    {
        Setup(admin, output, XsMessageType.Introduce, "5\01\02\0"u8);
        Setup(admin, output, XsMessageType.Mkdir, "/local/domain/5\0"u8);
        Setup(admin, output, XsMessageType.SetPerms, "/local/domain/5\0n5\0r0\0"u8);
        Setup(admin, output, XsMessageType.Mkdir, "/local/domain/0/backend/vif/5\0"u8);
        Setup(admin, output, XsMessageType.SetPerms, "/local/domain/0/backend/vif/5\0n0\0r5\0"u8);

        // Created under the readable directory, so it takes its permissions.
        Setup(admin, output, XsMessageType.Write, "/local/domain/0/backend/vif/5/0/state\04"u8);
    }

    private static void Setup(IStoreSession admin, ArrayBufferWriter<byte> output, XsMessageType type, ReadOnlySpan<byte> payload)
    {
        output.ResetWrittenCount();
        admin.Handle(new XsHeader(type, 1, 0, (uint)payload.Length), payload, output);
        FuzzCheckException.That(U32(output.WrittenSpan, 0) == (uint)type, $"setup {type} failed");
    }

    /// <summary>Recomputes the decoder's decision from the bytes; true when a frame was cut and must be handled.</summary>
    private static bool CheckDecision(ReadOnlySpan<byte> bytes, XsFrameStatus status, in XsHeader header, ReadOnlySpan<byte> payload, int consumed)
    {
        if (bytes.Length < HeaderSize)
        {
            FuzzCheckException.That(status == XsFrameStatus.Incomplete, $"{status} from {bytes.Length} bytes, less than a header");
            return false;
        }

        uint length = U32(bytes, 12);
        if (length > MaxPayload)
        {
            FuzzCheckException.That(status == XsFrameStatus.TooLarge, $"{status} for a header announcing {length} bytes");
            CheckHeader(bytes, header);
            return false;
        }

        if ((uint)bytes.Length < HeaderSize + length)
        {
            FuzzCheckException.That(status == XsFrameStatus.Incomplete, $"{status} with {bytes.Length} bytes of a {HeaderSize + length}-byte frame");
            return false;
        }

        FuzzCheckException.That(status == XsFrameStatus.Frame, $"{status} for a whole frame");
        FuzzCheckException.That(consumed == HeaderSize + (int)length, $"consumed {consumed} of a {HeaderSize + length}-byte frame");
        FuzzCheckException.That(payload.SequenceEqual(bytes.Slice(HeaderSize, (int)length)), "payload is not the bytes after the header");
        CheckHeader(bytes, header);
        return true;
    }

    private static void CheckHeader(ReadOnlySpan<byte> bytes, in XsHeader header) =>
        FuzzCheckException.That(
            (uint)header.Type == U32(bytes, 0) && header.RequestId == U32(bytes, 4) && header.TransactionId == U32(bytes, 8) && header.Length == U32(bytes, 12),
            "header fields differ from the bytes");

    /// <summary>Checks one request's output: whole frames, the reply first with the request's ids, and what may follow it.</summary>
    private static void CheckReply(in XsHeader request, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> output, XenStoreEventCheck events)
    {
        List<OutputFrame> frames = [];
        int at = 0;
        while (at < output.Length)
        {
            FuzzCheckException.That(output.Length - at >= HeaderSize, $"{output.Length - at} bytes after the last whole frame");
            uint length = U32(output, at + 12);
            FuzzCheckException.That(length <= MaxPayload, $"a reply frame of {length} payload bytes");
            FuzzCheckException.That(output.Length - at - HeaderSize >= length, "the output ends inside a frame");
            frames.Add(new OutputFrame(U32(output, at), U32(output, at + 4), U32(output, at + 8), at + HeaderSize, (int)length));
            at += HeaderSize + (int)length;
        }

        FuzzCheckException.That(frames.Count > 0, $"no reply to {request.Type}");
        OutputFrame reply = frames[0];
        ReadOnlySpan<byte> body = output.Slice(reply.Start, reply.Length);
        FuzzCheckException.That(reply.RequestId == request.RequestId && reply.TransactionId == request.TransactionId, "the reply does not carry the request's ids");
        if (reply.Type == (uint)XsMessageType.Error)
        {
            FuzzCheckException.That(frames.Count == 1, $"{frames.Count - 1} frames after an ERROR");
            string name = IsErrorName(body);
            FuzzCheckException.That(name != "EIO", $"{request.Type} failed inside the engine (EIO)");
            return;
        }

        FuzzCheckException.That(reply.Type == (uint)request.Type, $"a {request.Type} request answered with type {reply.Type}");
        if (request.Type == XsMessageType.Watch)
        {
            FuzzCheckException.That(body.SequenceEqual("OK\0"u8), "WATCH answered other than OK");
            FuzzCheckException.That(frames.Count == 2, $"WATCH's OK followed by {frames.Count - 1} frames");
            OutputFrame initial = frames[1];
            FuzzCheckException.That(initial.Type == (uint)XsMessageType.WatchEvent && initial.RequestId == 0 && initial.TransactionId == 0, "the frame after WATCH's OK is not an event with ids 0");
            FuzzCheckException.That(output.Slice(initial.Start, initial.Length).SequenceEqual(FirstFields(payload, 2)), "the initial event is not the watch's path and token");
            events.Registered(TokenOf(payload));
            return;
        }

        FuzzCheckException.That(frames.Count == 1, $"{request.Type} answered with {frames.Count} frames");
        switch (request.Type)
        {
            case XsMessageType.Write:
            case XsMessageType.Mkdir:
            case XsMessageType.Rm:
            case XsMessageType.SetPerms:
            case XsMessageType.TransactionEnd:
            case XsMessageType.Introduce:
            case XsMessageType.Release:
            case XsMessageType.Resume:
            case XsMessageType.SetTarget:
                FuzzCheckException.That(body.SequenceEqual("OK\0"u8), $"{request.Type} succeeded with other than OK");
                break;
            case XsMessageType.Unwatch:
                FuzzCheckException.That(body.SequenceEqual("OK\0"u8), "UNWATCH succeeded with other than OK");
                events.Unregistered(TokenOf(payload));
                break;
            case XsMessageType.ResetWatches:
                FuzzCheckException.That(body.SequenceEqual("OK\0"u8), "RESET_WATCHES succeeded with other than OK");
                events.Reset();
                break;
            case XsMessageType.TransactionStart:
                FuzzCheckException.That(request.TransactionId == 0, "a transaction started inside another");
                FuzzCheckException.That(IsDecimalId(body), "TRANSACTION_START's reply is not a decimal id");
                break;
            case XsMessageType.IsDomainIntroduced:
                FuzzCheckException.That(body.SequenceEqual("T\0"u8) || body.SequenceEqual("F\0"u8), "IS_DOMAIN_INTRODUCED answered other than T or F");
                break;
            case XsMessageType.Directory:
                CheckNames(body, "DIRECTORY", partial: false);
                break;
            case XsMessageType.DirectoryPart:
                int generationEnd = body.IndexOf((byte)0);
                FuzzCheckException.That(generationEnd > 0 && IsDigits(body[..generationEnd]), "DIRECTORY_PART does not start with a generation");
                CheckNames(body[(generationEnd + 1)..], "DIRECTORY_PART", partial: true);
                break;
            case XsMessageType.GetPerms:
                CheckPermissions(body);
                break;
            case XsMessageType.GetDomainPath:
                ReadOnlySpan<byte> domain = payload[..payload.IndexOf((byte)0)];
                FuzzCheckException.That(
                    body.SequenceEqual(System.Text.Encoding.ASCII.GetBytes($"/local/domain/{ulong.Parse(domain, System.Globalization.CultureInfo.InvariantCulture)}\0")),
                    "GET_DOMAIN_PATH answered another domain's path");
                break;
            default:
                break;
        }
    }

    private static void CheckTree(IStoreSession admin, ArrayBufferWriter<byte> output, XenStoreFailureLog failures, string when)
    {
        output.ResetWrittenCount();
        admin.Handle(new XsHeader(XsMessageType.Control, 0x7fff, 0, 6), "check\0"u8, output);
        failures.ThrowIfAny($"CONTROL check {when}");
        ReadOnlySpan<byte> reply = output.WrittenSpan;
        FuzzCheckException.That(
            reply.Length == HeaderSize + 3 && U32(reply, 0) == (uint)XsMessageType.Control && reply[HeaderSize..].SequenceEqual("OK\0"u8),
            $"CONTROL check {when} did not answer OK");
    }

    /// <summary>The listed error name an ERROR payload carries, or a finding.</summary>
    private static string IsErrorName(ReadOnlySpan<byte> body)
    {
        foreach (string name in ErrorNames)
        {
            if (body.Length == name.Length + 1 && body[^1] == 0 && System.Text.Encoding.ASCII.GetString(body[..^1]) == name)
            {
                return name;
            }
        }

        throw new FuzzCheckException($"ERROR payload {Convert.ToHexString(body)} is not a listed name and its NUL");
    }

    /// <summary>
    /// A child list: names of node-name characters, each with its NUL, none twice. A DIRECTORY_PART
    /// chunk starts at a byte offset the client chose, so its first name may be the tail of one
    /// (even empty, or equal to a later name), and the chunk reaching the end carries one more,
    /// empty, name.
    /// </summary>
    private static void CheckNames(ReadOnlySpan<byte> body, string what, bool partial)
    {
        FuzzCheckException.That(body.IsEmpty || body[^1] == 0, $"{what} does not end with a NUL");
        HashSet<string> seen = new(StringComparer.Ordinal);
        ReadOnlySpan<byte> rest = body;
        for (int index = 0; !rest.IsEmpty; index++)
        {
            int nul = rest.IndexOf((byte)0);
            ReadOnlySpan<byte> name = rest[..nul];
            rest = rest[(nul + 1)..];
            bool tail = partial && index == 0;
            FuzzCheckException.That(!name.IsEmpty || tail || (partial && rest.IsEmpty), $"{what} lists an empty name");
            foreach (byte b in name)
            {
                FuzzCheckException.That(IsNameByte(b), $"{what} lists a name with byte 0x{b:X2}");
            }

            FuzzCheckException.That(tail || name.IsEmpty || seen.Add(System.Text.Encoding.ASCII.GetString(name)), $"{what} lists a name twice");
        }
    }

    /// <summary>A permission list: at least one entry, each a letter of r/w/b/n and a domain id, each with its NUL.</summary>
    private static void CheckPermissions(ReadOnlySpan<byte> body)
    {
        FuzzCheckException.That(!body.IsEmpty && body[^1] == 0, "GET_PERMS answered no entry or no final NUL");
        ReadOnlySpan<byte> rest = body;
        while (!rest.IsEmpty)
        {
            int nul = rest.IndexOf((byte)0);
            ReadOnlySpan<byte> entry = rest[..nul];
            rest = rest[(nul + 1)..];
            FuzzCheckException.That(
                entry.Length >= 2 && (entry[0] is (byte)'r' or (byte)'w' or (byte)'b' or (byte)'n') && IsDigits(entry[1..]) && entry.Length <= 6
                && ulong.Parse(entry[1..], System.Globalization.CultureInfo.InvariantCulture) <= 0xFFFF,
                $"GET_PERMS answered entry '{System.Text.Encoding.ASCII.GetString(entry)}'");
        }
    }

    private static bool IsNameByte(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'@';

    private static bool IsDigits(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }

    private static bool IsDecimalId(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2 || body[^1] != 0 || body[0] == (byte)'0')
        {
            return false;
        }

        foreach (byte b in body[..^1])
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first <paramref name="count"/> NUL-terminated fields of a payload, NULs included.</summary>
    private static ReadOnlySpan<byte> FirstFields(ReadOnlySpan<byte> payload, int count)
    {
        int end = 0;
        for (int i = 0; i < count; i++)
        {
            int nul = payload[end..].IndexOf((byte)0);
            FuzzCheckException.That(nul >= 0, "an accepted request lacks its fields");
            end += nul + 1;
        }

        return payload[..end];
    }

    private static byte[] TokenOf(ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<byte> afterPath = payload[(payload.IndexOf((byte)0) + 1)..];
        return afterPath[..afterPath.IndexOf((byte)0)].ToArray();
    }

    private static uint U32(ReadOnlySpan<byte> bytes, int at) =>
        bytes[at] | ((uint)bytes[at + 1] << 8) | ((uint)bytes[at + 2] << 16) | ((uint)bytes[at + 3] << 24);

    /// <summary>A frame of the engine's output, its header fields read by hand; the payload lies at <c>Start</c>.</summary>
    private readonly record struct OutputFrame(uint Type, uint RequestId, uint TransactionId, int Start, int Length);
}
