using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>The 16-byte header (vfio-user.md §1): fields at their offsets, little-endian, and its type bits.</summary>
public sealed class VfioUserHeaderTests
{
    [Fact]
    public void Write_Fields_LandAtTheirOffsets()
    {
        var header = new VfioUserHeader(0x1234, VfioUserCommand.RegionRead, 0x0102_0304, VfioUserMessageFlags.NoReply, 0xAABB_CCDD);
        byte[] bytes = new byte[16];

        header.Write(bytes);

        Assert.Equal(
            new byte[] { 0x34, 0x12, 0x09, 0x00, 0x04, 0x03, 0x02, 0x01, 0x10, 0x00, 0x00, 0x00, 0xDD, 0xCC, 0xBB, 0xAA },
            bytes);
    }

    [Fact]
    public void TryRead_WrittenHeader_RoundTrips()
    {
        var header = new VfioUserHeader(65535, VfioUserCommand.MigDataWrite, 1234, VfioUserMessageFlags.Reply | VfioUserMessageFlags.Error, 22);
        byte[] bytes = new byte[20]; // longer than a header: only the first 16 bytes count
        header.Write(bytes);

        Assert.True(VfioUserHeader.TryRead(bytes, out VfioUserHeader read));
        Assert.Equal(header, read);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)] // one byte short
    public void TryRead_FewerThan16Bytes_ReturnsFalse(int length)
    {
        Assert.False(VfioUserHeader.TryRead(new byte[length], out VfioUserHeader header));
        Assert.Equal(default, header);
    }

    [Fact]
    public void Write_DestinationShorterThan16_Throws() =>
        Assert.Throws<ArgumentException>(() => new VfioUserHeader(1, VfioUserCommand.Version, 16, 0, 0).Write(new byte[15]));

    [Theory]
    [InlineData(0x00u, true, false, false, false)] // command
    [InlineData(0x01u, false, true, false, false)] // reply
    [InlineData(0x10u, true, false, true, false)] // command, No_reply
    [InlineData(0x21u, false, true, false, true)] // failure reply
    [InlineData(0x02u, false, false, false, false)] // type 2: neither
    [InlineData(0x31u, false, true, true, true)] // every bit at once
    public void TypeBits_Flags_ReadAsTheSpecDefines(uint flags, bool command, bool reply, bool noReply, bool error)
    {
        var header = new VfioUserHeader(1, VfioUserCommand.Version, 16, (VfioUserMessageFlags)flags, 0);

        Assert.Equal(command, header.IsCommand);
        Assert.Equal(reply, header.IsReply);
        Assert.Equal(noReply, header.NoReply);
        Assert.Equal(error, header.IsError);
    }

    [Fact]
    public void ForCommand_Payload_SizeIncludesHeader()
    {
        VfioUserHeader header = VfioUserHeader.ForCommand(7, VfioUserCommand.DmaMap, 32, noReply: true);

        Assert.Equal(7, header.MessageId);
        Assert.Equal(VfioUserCommand.DmaMap, header.Command);
        Assert.Equal(48u, header.MessageSize);
        Assert.Equal(VfioUserMessageFlags.NoReply, header.Flags);
        Assert.Equal(32, header.PayloadLength);
    }

    [Fact]
    public void ForReply_Request_EchoesIdAndCommand()
    {
        VfioUserHeader request = VfioUserHeader.ForCommand(0xBEEF, VfioUserCommand.RegionRead, 16);

        VfioUserHeader reply = VfioUserHeader.ForReply(request, 20);

        Assert.Equal(new VfioUserHeader(0xBEEF, VfioUserCommand.RegionRead, 36, VfioUserMessageFlags.Reply, 0), reply);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(VfioUserLimits.MaxPayloadSize + 1)]
    public void ForCommand_PayloadOutOfBounds_Throws(int payload) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => VfioUserHeader.ForCommand(1, VfioUserCommand.RegionWrite, payload));

    [Theory]
    [InlineData(0u, 0)]
    [InlineData(15u, 0)]
    [InlineData(16u, 0)]
    [InlineData(17u, 1)]
    [InlineData(uint.MaxValue, 0)] // beyond any buffer: no payload length claimed
    public void PayloadLength_Size_IsSizeLessHeader(uint size, int expected) =>
        Assert.Equal(expected, new VfioUserHeader(1, VfioUserCommand.Version, size, 0, 0).PayloadLength);
}
