namespace Passage.VfioUser.Protocol;

/// <summary>One whole message as it sits in the receive buffer: its header and a slice of its payload (no copy).</summary>
public readonly ref struct VfioUserFrame
{
    /// <summary>A frame over <paramref name="payload"/>, which must be exactly the header's payload.</summary>
    public VfioUserFrame(VfioUserHeader header, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    /// <summary>The header.</summary>
    public VfioUserHeader Header { get; }

    /// <summary>The bytes after the header, <c>size − 16</c> of them.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Bytes the frame occupies, header included: what the receiver consumes (the header's size). 0 for no frame.</summary>
    public int Length => Header.MessageSize == 0 ? 0 : VfioUserProtocol.HeaderSize + Payload.Length;
}
