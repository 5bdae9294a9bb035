using System.Buffers.Binary;

namespace Passage.Store.Protocol;

/// <summary>
/// The 16-byte XenStore message header (store.md §1): type, request id, transaction id and payload
/// length, each a u32 in host order (little-endian here).
/// </summary>
public readonly record struct XsHeader(XsMessageType Type, uint RequestId, uint TransactionId, uint Length)
{
    /// <summary>Size of the header on the wire.</summary>
    public const int Size = 16;

    /// <summary>Largest payload a message may carry (<c>XENSTORE_PAYLOAD_MAX</c>).</summary>
    public const int MaxPayload = 4096;

    /// <summary>Reads a header from the first 16 bytes; false when fewer are given.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out XsHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new XsHeader(
            (XsMessageType)BinaryPrimitives.ReadUInt32LittleEndian(source),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]));
        return true;
    }

    /// <summary>Writes the header into the first 16 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Type);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], RequestId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], TransactionId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Length);
    }
}
