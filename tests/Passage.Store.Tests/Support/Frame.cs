using System.Text;
using Passage.Store.Protocol;

namespace Passage.Store.Tests.Support;

/// <summary>One frame the engine wrote: header and payload.</summary>
internal sealed record Frame(XsHeader Header, byte[] Payload)
{
    /// <summary>The payload as ASCII text, NULs shown as <c>|</c>.</summary>
    public string Text => Encoding.ASCII.GetString(Payload).Replace('\0', '|');

    /// <summary>The error an ERROR frame names, <see cref="StoreError.None"/> for any other frame.</summary>
    public StoreError Error
    {
        get
        {
            if (Header.Type != XsMessageType.Error)
            {
                return StoreError.None;
            }

            Assert.Equal(0, Payload[^1]);
            return Enum.Parse<StoreError>(Encoding.ASCII.GetString(Payload, 0, Payload.Length - 1));
        }
    }

    /// <summary>Splits frames out of an output buffer, checking each length field against the bytes.</summary>
    public static List<Frame> Split(ReadOnlySpan<byte> bytes)
    {
        List<Frame> frames = [];
        while (!bytes.IsEmpty)
        {
            Assert.True(XsHeader.TryRead(bytes, out XsHeader header));
            Assert.True(header.Length <= XsHeader.MaxPayload, "reply over the payload limit");
            frames.Add(new Frame(header, bytes.Slice(XsHeader.Size, (int)header.Length).ToArray()));
            bytes = bytes[(XsHeader.Size + (int)header.Length)..];
        }

        return frames;
    }
}
