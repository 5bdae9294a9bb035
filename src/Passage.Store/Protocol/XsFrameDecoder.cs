using System.Buffers;

namespace Passage.Store.Protocol;

/// <summary>
/// Splits received bytes into XenStore frames (store.md §1; csharp-conventions.md §8): a 16-byte
/// header, then <see cref="XsHeader.Length"/> payload bytes. It reads only what it is given, keeps
/// no state and allocates nothing. A length above <see cref="XsHeader.MaxPayload"/> is refused as
/// soon as the header is in, before any of the payload is awaited: C xenstored drops such a
/// connection, and so does Passage.
/// </summary>
public static class XsFrameDecoder
{
    /// <summary>
    /// Decodes the frame at the start of <paramref name="received"/>. On <see cref="XsFrameStatus.Frame"/>,
    /// <paramref name="payload"/> is a slice of <paramref name="received"/> and <paramref name="consumed"/>
    /// the frame's size; on <see cref="XsFrameStatus.TooLarge"/> only <paramref name="header"/> is set;
    /// otherwise nothing is.
    /// </summary>
    public static XsFrameStatus Decode(ReadOnlySpan<byte> received, out XsHeader header, out ReadOnlySpan<byte> payload, out int consumed)
    {
        payload = default;
        consumed = 0;
        if (!XsHeader.TryRead(received, out header))
        {
            return XsFrameStatus.Incomplete;
        }

        if (header.Length > XsHeader.MaxPayload)
        {
            return XsFrameStatus.TooLarge;
        }

        int size = XsHeader.Size + (int)header.Length;
        if (received.Length < size)
        {
            return XsFrameStatus.Incomplete;
        }

        payload = received[XsHeader.Size..size];
        consumed = size;
        return XsFrameStatus.Frame;
    }

    /// <summary>
    /// Decodes the frame at the start of <paramref name="received"/>, whose header and payload may lie
    /// across any number of segments. On <see cref="XsFrameStatus.Frame"/>, <paramref name="payload"/>
    /// is a slice of <paramref name="received"/> and <paramref name="end"/> the position just after the
    /// frame (what the reader consumes); on <see cref="XsFrameStatus.TooLarge"/> only
    /// <paramref name="header"/> is set; otherwise nothing is.
    /// </summary>
    public static XsFrameStatus Decode(in ReadOnlySequence<byte> received, out XsHeader header, out ReadOnlySequence<byte> payload, out SequencePosition end)
    {
        payload = default;
        end = received.Start;
        header = default;
        if (received.Length < XsHeader.Size)
        {
            return XsFrameStatus.Incomplete;
        }

        ReadOnlySpan<byte> first = received.FirstSpan;
        if (first.Length >= XsHeader.Size)
        {
            XsHeader.TryRead(first, out header);
        }
        else
        {
            // The header straddles segments: gather its 16 bytes on the stack.
            Span<byte> gathered = stackalloc byte[XsHeader.Size];
            received.Slice(0, XsHeader.Size).CopyTo(gathered);
            XsHeader.TryRead(gathered, out header);
        }

        if (header.Length > XsHeader.MaxPayload)
        {
            return XsFrameStatus.TooLarge;
        }

        long size = XsHeader.Size + (long)header.Length;
        if (received.Length < size)
        {
            return XsFrameStatus.Incomplete;
        }

        payload = received.Slice(XsHeader.Size, header.Length);
        end = payload.End;
        return XsFrameStatus.Frame;
    }
}
