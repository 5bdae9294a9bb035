using System.Buffers;
using Passage.Store.Protocol;

namespace Passage.Store.Engine;

/// <summary>Writes reply and event frames (16-byte header, then the payload) into a connection's output.</summary>
internal static class ReplyWriter
{
    /// <summary><c>OK\0</c>, the reply without data.</summary>
    public static ReadOnlySpan<byte> Ok => "OK\0"u8;

    /// <summary>Starts a frame of <paramref name="length"/> payload bytes and returns the payload span to fill; <see cref="Finish"/> commits it.</summary>
    public static Span<byte> Begin(IBufferWriter<byte> output, XsMessageType type, uint requestId, uint transactionId, int length)
    {
        Span<byte> frame = output.GetSpan(XsHeader.Size + length);
        new XsHeader(type, requestId, transactionId, (uint)length).Write(frame);
        return frame.Slice(XsHeader.Size, length);
    }

    /// <summary>Commits a frame started by <see cref="Begin"/>.</summary>
    public static void Finish(IBufferWriter<byte> output, int length) => output.Advance(XsHeader.Size + length);

    /// <summary>Writes a reply to <paramref name="request"/> carrying <paramref name="payload"/>.</summary>
    public static void Reply(IBufferWriter<byte> output, in XsHeader request, ReadOnlySpan<byte> payload) =>
        XsFrameWriter.Write(output, request.Type, request.RequestId, request.TransactionId, payload);

    /// <summary>Writes the ERROR reply to <paramref name="request"/>: <c>E&lt;NAME&gt;\0</c>, same ids.</summary>
    public static void Error(IBufferWriter<byte> output, in XsHeader request, StoreError error) =>
        XsFrameWriter.WriteError(output, request.RequestId, request.TransactionId, error);

    /// <summary>Writes a WATCH_EVENT frame (ids 0): <c>path\0token\0</c>.</summary>
    public static void WatchEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> path, ReadOnlySpan<byte> token) =>
        XsFrameWriter.WriteWatchEvent(output, path, token);
}
