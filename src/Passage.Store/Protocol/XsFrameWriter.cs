using System.Buffers;

namespace Passage.Store.Protocol;

/// <summary>Writes whole frames (header and payload) to a buffer writer, for both ends of a connection.</summary>
public static class XsFrameWriter
{
    /// <summary>Writes a frame with <paramref name="payload"/> as its payload.</summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> exceeds <see cref="XsHeader.MaxPayload"/>.</exception>
    public static void Write(IBufferWriter<byte> output, XsMessageType type, uint requestId, uint transactionId, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (payload.Length > XsHeader.MaxPayload)
        {
            throw new ArgumentException($"a payload of {payload.Length} bytes exceeds {XsHeader.MaxPayload}", nameof(payload));
        }

        int size = XsHeader.Size + payload.Length;
        Span<byte> span = output.GetSpan(size);
        new XsHeader(type, requestId, transactionId, (uint)payload.Length).Write(span);
        payload.CopyTo(span[XsHeader.Size..]);
        output.Advance(size);
    }

    /// <summary>Size of a WATCH_EVENT frame for <paramref name="path"/> and <paramref name="token"/>, header included.</summary>
    public static int WatchEventSize(ReadOnlySpan<byte> path, ReadOnlySpan<byte> token) => XsHeader.Size + path.Length + 1 + token.Length + 1;

    /// <summary>True when a WATCH_EVENT for <paramref name="path"/> and <paramref name="token"/> fits the payload limit.</summary>
    public static bool WatchEventFits(ReadOnlySpan<byte> path, ReadOnlySpan<byte> token) => WatchEventSize(path, token) - XsHeader.Size <= XsHeader.MaxPayload;

    /// <summary>Writes a WATCH_EVENT frame, <c>path\0token\0</c> with request and transaction id 0 (store.md §2, §6).</summary>
    /// <exception cref="ArgumentException">The event exceeds the payload limit.</exception>
    public static void WriteWatchEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> path, ReadOnlySpan<byte> token)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!WatchEventFits(path, token))
        {
            throw new ArgumentException("the event exceeds the payload limit", nameof(path));
        }

        int size = WatchEventSize(path, token);
        Span<byte> span = output.GetSpan(size);
        new XsHeader(XsMessageType.WatchEvent, 0, 0, (uint)(size - XsHeader.Size)).Write(span);
        int at = XsHeader.Size;
        at += XsPayload.WriteField(span[at..], path);
        XsPayload.WriteField(span[at..], token);
        output.Advance(size);
    }

    /// <summary>Writes an ERROR frame, <c>E&lt;NAME&gt;\0</c> with the request's ids (store.md §3).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="error"/> is <see cref="StoreError.None"/> or not a listed error.</exception>
    public static void WriteError(IBufferWriter<byte> output, uint requestId, uint transactionId, StoreError error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ReadOnlySpan<byte> name = XsErrorNames.NameOf(error);
        int size = XsHeader.Size + name.Length + 1;
        Span<byte> span = output.GetSpan(size);
        new XsHeader(XsMessageType.Error, requestId, transactionId, (uint)(name.Length + 1)).Write(span);
        XsPayload.WriteField(span[XsHeader.Size..], name);
        output.Advance(size);
    }
}
