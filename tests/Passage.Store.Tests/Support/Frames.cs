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

    /// <summary>The fields of a NUL-separated payload, as strings.</summary>
    public static string[] Fields(ReadOnlySpan<byte> payload)
    {
        var fields = new List<string>();
        while (XsPayload.TryReadField(ref payload, out ReadOnlySpan<byte> field))
        {
            fields.Add(System.Text.Encoding.UTF8.GetString(field));
        }

        return [.. fields];
    }
}
