using System.Buffers;
using System.Text;
using Passage.Store.Protocol;

namespace Passage.Store.Engine;

/// <summary>Writes reply and event frames (16-byte header, then the payload) into a connection's output.</summary>
internal static class ReplyWriter
{
    private static readonly byte[][] ErrorPayloads = BuildErrorPayloads();

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
    public static void Reply(IBufferWriter<byte> output, in XsHeader request, ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(Begin(output, request.Type, request.RequestId, request.TransactionId, payload.Length));
        Finish(output, payload.Length);
    }

    /// <summary>Writes the ERROR reply to <paramref name="request"/>: <c>E&lt;NAME&gt;\0</c>, same ids.</summary>
    public static void Error(IBufferWriter<byte> output, in XsHeader request, StoreError error)
    {
        ReadOnlySpan<byte> payload = ErrorPayloads[(int)error];
        payload.CopyTo(Begin(output, XsMessageType.Error, request.RequestId, request.TransactionId, payload.Length));
        Finish(output, payload.Length);
    }

    /// <summary>Writes a WATCH_EVENT frame (ids 0): <c>path\0token\0</c>.</summary>
    public static void WatchEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> path, ReadOnlySpan<byte> token)
    {
        int length = path.Length + token.Length + 2;
        Span<byte> payload = Begin(output, XsMessageType.WatchEvent, 0, 0, length);
        path.CopyTo(payload);
        payload[path.Length] = 0;
        token.CopyTo(payload[(path.Length + 1)..]);
        payload[^1] = 0;
        Finish(output, length);
    }

    /// <summary>The payload an error reply carries.</summary>
    public static ReadOnlySpan<byte> ErrorPayload(StoreError error) => ErrorPayloads[(int)error];

    private static byte[][] BuildErrorPayloads()
    {
        StoreError[] errors = Enum.GetValues<StoreError>();
        var payloads = new byte[errors.Length - 1][];
        foreach (StoreError error in errors)
        {
            if (error != StoreError.None)
            {
                payloads[(int)error] = Encoding.ASCII.GetBytes(error + "\0");
            }
        }

        return payloads;
    }
}
