using System.Buffers.Binary;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// The 16-byte message header (vfio-user.md §1): id u16 at 0, command u16 at 2, size u32 at 4
/// (header included), flags u32 at 8, error u32 at 12; little-endian.
/// </summary>
/// <param name="MessageId">Chosen by the sender, echoed in the reply.</param>
/// <param name="Command">The command, repeated in its reply.</param>
/// <param name="MessageSize">The whole message's size, header included (unchecked here: see <see cref="VfioUserFrameDecoder"/>).</param>
/// <param name="Flags">Type, No_reply and Error.</param>
/// <param name="Error">The errno of a failure reply; reserved in commands.</param>
public readonly record struct VfioUserHeader(ushort MessageId, VfioUserCommand Command, uint MessageSize, VfioUserMessageFlags Flags, uint Error)
{
    /// <summary>The type field (bits 3:0 of the flags): 0 command, 1 reply, anything else invalid.</summary>
    public uint MessageType => (uint)(Flags & VfioUserMessageFlags.TypeMask);

    /// <summary>Type 0.</summary>
    public bool IsCommand => MessageType == (uint)VfioUserMessageFlags.Command;

    /// <summary>Type 1.</summary>
    public bool IsReply => MessageType == (uint)VfioUserMessageFlags.Reply;

    /// <summary>The sender wants no reply.</summary>
    public bool NoReply => (Flags & VfioUserMessageFlags.NoReply) != 0;

    /// <summary>A failure reply.</summary>
    public bool IsError => (Flags & VfioUserMessageFlags.Error) != 0;

    /// <summary>Payload bytes behind the header (0 when the size is below the header's own).</summary>
    public int PayloadLength => MessageSize <= VfioUserProtocol.HeaderSize || MessageSize > int.MaxValue ? 0 : (int)MessageSize - VfioUserProtocol.HeaderSize;

    /// <summary>Reads a header from the first 16 bytes of <paramref name="source"/>; false when fewer are there. Nothing is validated.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out VfioUserHeader header)
    {
        if (source.Length < VfioUserProtocol.HeaderSize)
        {
            header = default;
            return false;
        }

        header = new VfioUserHeader(
            BinaryPrimitives.ReadUInt16LittleEndian(source),
            (VfioUserCommand)BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            (VfioUserMessageFlags)BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]));
        return true;
    }

    /// <summary>A command header for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static VfioUserHeader ForCommand(ushort messageId, VfioUserCommand command, int payloadLength, bool noReply = false) =>
        new(messageId, command, SizeFor(payloadLength), noReply ? VfioUserMessageFlags.NoReply : VfioUserMessageFlags.Command, 0);

    /// <summary>The successful reply's header to <paramref name="request"/>, for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static VfioUserHeader ForReply(in VfioUserHeader request, int payloadLength) =>
        new(request.MessageId, request.Command, SizeFor(payloadLength), VfioUserMessageFlags.Reply, 0);

    /// <summary>Writes the header into the first 16 bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 16 bytes.</exception>
    public void Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, VfioUserProtocol.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, MessageId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Command);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], MessageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Error);
    }

    private static uint SizeFor(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, VfioUserLimits.MaxPayloadSize);
        return (uint)(VfioUserProtocol.HeaderSize + payloadLength);
    }
}
