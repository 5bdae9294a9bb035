using System.Buffers;
using Passage.Store.Protocol;

namespace Passage.Store.Tests.Support;

/// <summary>Frame bytes for tests.</summary>
internal static class Frames
{
    public static byte[] Build(XsMessageType type, uint requestId, uint transactionId, ReadOnlySpan<byte> payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        XsFrameWriter.Write(writer, type, requestId, transactionId, payload);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A header announcing <paramref name="length"/> payload bytes, with no payload after it.</summary>
    public static byte[] HeaderOnly(XsMessageType type, uint requestId, uint transactionId, uint length)
    {
        byte[] bytes = new byte[XsHeader.Size];
        new XsHeader(type, requestId, transactionId, length).Write(bytes);
        return bytes;
    }
}
