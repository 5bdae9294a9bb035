using System.Buffers.Binary;

namespace Passage.VfioUser.Tests.Transport;

/// <summary>
/// A test framing (the transport never parses): u32 total length, u32 sender, u32 sequence number,
/// then pattern bytes that depend on all three, so a stray or misplaced byte shows.
/// </summary>
internal static class TestMessages
{
    public const int HeaderSize = 12;

    public static byte[] Build(int length, int sender, int sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, HeaderSize);
        byte[] message = new byte[length];
        BinaryPrimitives.WriteInt32LittleEndian(message, length);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), sender);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), sequence);
        for (int i = HeaderSize; i < length; i++)
        {
            message[i] = PatternByte(sender, sequence, i);
        }

        return message;
    }

    /// <summary>The total length of the message at the start of <paramref name="bytes"/>, or -1 while its header is incomplete.</summary>
    public static int LengthOf(ReadOnlySpan<byte> bytes) =>
        bytes.Length < HeaderSize ? -1 : BinaryPrimitives.ReadInt32LittleEndian(bytes);

    /// <summary>Checks a whole message: its length field and every pattern byte.</summary>
    public static (int Sender, int Sequence) Verify(ReadOnlySpan<byte> message)
    {
        Assert.Equal(message.Length, BinaryPrimitives.ReadInt32LittleEndian(message));
        int sender = BinaryPrimitives.ReadInt32LittleEndian(message[4..]);
        int sequence = BinaryPrimitives.ReadInt32LittleEndian(message[8..]);
        for (int i = HeaderSize; i < message.Length; i++)
        {
            if (message[i] != PatternByte(sender, sequence, i))
            {
                Assert.Fail($"byte {i} of message {sender}/{sequence} is 0x{message[i]:X2}, expected 0x{PatternByte(sender, sequence, i):X2}");
            }
        }

        return (sender, sequence);
    }

    private static byte PatternByte(int sender, int sequence, int index) =>
        (byte)((sender * 131) + (sequence * 17) + index + (index >> 8));
}
