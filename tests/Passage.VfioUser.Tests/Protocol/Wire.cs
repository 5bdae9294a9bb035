using System.Buffers.Binary;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>Builds messages and reads little-endian fields at offsets, for tests that check bytes.</summary>
internal static class Wire
{
    public static byte[] Message(VfioUserHeader header, ReadOnlySpan<byte> payload)
    {
        byte[] bytes = new byte[VfioUserProtocol.HeaderSize + payload.Length];
        header.Write(bytes);
        payload.CopyTo(bytes.AsSpan(VfioUserProtocol.HeaderSize));
        return bytes;
    }

    public static byte[] Command(ushort id, VfioUserCommand command, ReadOnlySpan<byte> payload) =>
        Message(VfioUserHeader.ForCommand(id, command, payload.Length), payload);

    public static byte[] Reply(ushort id, VfioUserCommand command, ReadOnlySpan<byte> payload) =>
        Message(new VfioUserHeader(id, command, (uint)(VfioUserProtocol.HeaderSize + payload.Length), VfioUserMessageFlags.Reply, 0), payload);

    /// <summary>A raw header with any field values, valid or not.</summary>
    public static byte[] RawHeader(ushort id, ushort command, uint size, uint flags, uint error = 0)
    {
        byte[] bytes = new byte[VfioUserProtocol.HeaderSize];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, id);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), command);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), size);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), error);
        return bytes;
    }

    public static ushort U16(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);

    public static uint U32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);

    public static ulong U64(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]);

    public static void PutU32(Span<byte> bytes, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes[offset..], value);

    public static void PutU64(Span<byte> bytes, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(bytes[offset..], value);

    public static void PutU16(Span<byte> bytes, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(bytes[offset..], value);
}
