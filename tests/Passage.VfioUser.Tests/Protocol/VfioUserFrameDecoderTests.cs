using Passage.Host.Devices;
using Passage.Tests.Shared;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// Framing (vfio-user.md §1, §9; csharp-conventions.md §8): whole frames with the bytes consumed,
/// incomplete input at every split point, pipelined frames in order, and the refusals that answer
/// (unknown command) or close (size below the header or above the bound, invalid type, a kind the
/// stream does not carry).
/// </summary>
public sealed class VfioUserFrameDecoderTests
{
    private static readonly VfioUserFrameDecoder Commands = new(VfioUserFrameKinds.Commands);
    private static readonly VfioUserFrameDecoder Any = new(VfioUserFrameKinds.Any);

    [Fact]
    public void Decode_WholeFrame_ReturnsHeaderPayloadAndConsumed()
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        byte[] bytes = [.. Wire.Command(42, VfioUserCommand.RegionRead, payload), 0xEE]; // one byte of the next frame

        VfioUserDecodeStatus status = Commands.Decode(bytes, out VfioUserFrame frame, out VfioUserFrameError error);

        Assert.Equal(VfioUserDecodeStatus.Frame, status);
        Assert.Equal(VfioUserFrameError.None, error);
        Assert.Equal(42, frame.Header.MessageId);
        Assert.Equal(VfioUserCommand.RegionRead, frame.Header.Command);
        Assert.Equal(32, frame.Length);
        Assert.Equal(payload, frame.Payload.ToArray());
    }

    [Fact]
    public void Decode_HeaderOnlyCommand_IsFrameWithEmptyPayload()
    {
        byte[] bytes = Wire.Command(3, VfioUserCommand.DeviceReset, []);

        Assert.Equal(VfioUserDecodeStatus.Frame, Commands.Decode(bytes, out VfioUserFrame frame, out _));
        Assert.Equal(16, frame.Length);
        Assert.True(frame.Payload.IsEmpty);
    }

    [Fact]
    public void Decode_EveryPrefixOfValidStream_IsIncompleteAfterTheWholeFramesInIt()
    {
        byte[] stream = Stream();
        int[] boundaries = Boundaries(stream);

        for (int length = 0; length <= stream.Length; length++)
        {
            ReadOnlySpan<byte> rest = stream.AsSpan(0, length);
            int consumed = 0;
            VfioUserDecodeStatus status;
            while ((status = Any.Decode(rest, out VfioUserFrame frame, out _)) == VfioUserDecodeStatus.Frame)
            {
                consumed += frame.Length;
                rest = rest[frame.Length..];
            }

            Assert.Equal(VfioUserDecodeStatus.Incomplete, status);
            Assert.Equal(boundaries.Last(b => b <= length), consumed);
        }
    }

    [Fact]
    public void Decode_StreamSplitAtEveryPoint_DecodesTheSameFramesAsWhole()
    {
        byte[] stream = Stream();
        List<(VfioUserHeader Header, byte[] Payload)> whole = Receive(stream);

        for (int split = 0; split <= stream.Length; split++)
        {
            List<(VfioUserHeader Header, byte[] Payload)> parts = Receive(stream[..split], stream[split..]);

            Assert.Equal(whole.Count, parts.Count);
            for (int i = 0; i < whole.Count; i++)
            {
                Assert.Equal(whole[i].Header, parts[i].Header);
                Assert.Equal(whole[i].Payload, parts[i].Payload);
            }
        }
    }

    [Fact]
    public void Decode_PipelinedFrames_DecodeInOrderWithTheirConsumedCounts()
    {
        byte[] stream = Stream();

        List<(VfioUserHeader Header, byte[] Payload)> frames = Receive(stream);

        Assert.Equal([1, 2, 3, 4, 5, 6], frames.Select(f => (int)f.Header.MessageId));
        Assert.Equal(
            [VfioUserCommand.Version, VfioUserCommand.DmaMap, VfioUserCommand.RegionWrite, VfioUserCommand.DeviceReset, VfioUserCommand.RegionRead, VfioUserCommand.DmaWrite],
            frames.Select(f => f.Header.Command));
        Assert.Equal([20, 48, 36, 16, 24, 32], frames.Select(f => VfioUserProtocol.HeaderSize + f.Payload.Length));
        Assert.Equal(stream.Length, frames.Sum(f => VfioUserProtocol.HeaderSize + f.Payload.Length));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(15u)] // one below the header
    public void Decode_SizeBelowHeader_Closes(uint size)
    {
        byte[] bytes = [.. Wire.RawHeader(1, (ushort)VfioUserCommand.DeviceReset, size, 0), .. new byte[32]];

        VfioUserDecodeStatus status = Commands.Decode(bytes, out VfioUserFrame frame, out VfioUserFrameError error);

        Assert.Equal(VfioUserDecodeStatus.Error, status);
        Assert.Equal(new VfioUserFrameError(VfioUserFrameFault.SizeBelowHeader, VfioUserFrameAction.Close, Errno.None), error);
        Assert.Equal(0, frame.Length);
    }

    [Theory]
    [InlineData((uint)VfioUserLimits.MaxMessageSize + 1)]
    [InlineData(uint.MaxValue)]
    public void Decode_SizeAboveBound_ClosesWithoutWaitingForTheBody(uint size)
    {
        byte[] header = Wire.RawHeader(1, (ushort)VfioUserCommand.RegionWrite, size, 0);

        VfioUserDecodeStatus status = Commands.Decode(header, out _, out VfioUserFrameError error);

        Assert.Equal(VfioUserDecodeStatus.Error, status);
        Assert.Equal(VfioUserFrameFault.SizeAboveLimit, error.Fault);
        Assert.Equal(VfioUserFrameAction.Close, error.Action);
    }

    [Fact]
    public void Decode_SizeAtBound_WaitsForTheBody()
    {
        byte[] header = Wire.RawHeader(1, (ushort)VfioUserCommand.RegionWrite, VfioUserLimits.MaxMessageSize, 0);

        Assert.Equal(VfioUserDecodeStatus.Incomplete, Commands.Decode(header, out _, out _));
    }

    [Fact]
    public void Decode_LowerBoundGiven_RefusesAboveItAndAcceptsAtIt()
    {
        var decoder = new VfioUserFrameDecoder(VfioUserFrameKinds.Commands, maxMessageSize: 64);
        byte[] atBound = Wire.Command(1, VfioUserCommand.RegionWrite, new byte[48]);
        byte[] aboveBound = Wire.Command(1, VfioUserCommand.RegionWrite, new byte[49]);

        Assert.Equal(VfioUserDecodeStatus.Frame, decoder.Decode(atBound, out _, out _));
        Assert.Equal(VfioUserDecodeStatus.Error, decoder.Decode(aboveBound, out _, out VfioUserFrameError error));
        Assert.Equal(VfioUserFrameFault.SizeAboveLimit, error.Fault);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)14)] // the unused number
    [InlineData((ushort)19)] // one past the last
    [InlineData(ushort.MaxValue)]
    public void Decode_UnknownCommand_AnswersEinvalOnceWholeAndConsumesIt(ushort command)
    {
        byte[] unknown = [.. Wire.RawHeader(5, command, 24, 0), 1, 2, 3, 4, 5, 6, 7, 8];
        byte[] next = Wire.Command(6, VfioUserCommand.DeviceReset, []);
        byte[] stream = [.. unknown, .. next];

        Assert.Equal(VfioUserDecodeStatus.Incomplete, Commands.Decode(unknown.AsSpan(0, 23), out _, out _));
        VfioUserDecodeStatus status = Commands.Decode(stream, out VfioUserFrame frame, out VfioUserFrameError error);

        Assert.Equal(VfioUserDecodeStatus.Error, status);
        Assert.Equal(new VfioUserFrameError(VfioUserFrameFault.UnknownCommand, VfioUserFrameAction.ReplyWithError, Errno.EINVAL), error);
        Assert.Equal(24, frame.Length);
        Assert.Equal(5, frame.Header.MessageId);
        Assert.Equal(VfioUserDecodeStatus.Frame, Commands.Decode(stream.AsSpan(frame.Length), out VfioUserFrame after, out _));
        Assert.Equal(6, after.Header.MessageId);
    }

    [Fact]
    public void Decode_ReplyWhereOnlyCommandsAreExpected_ClosesAtTheHeader()
    {
        byte[] reply = Wire.Reply(1, VfioUserCommand.DeviceGetInfo, new byte[16]);

        VfioUserDecodeStatus status = Commands.Decode(reply.AsSpan(0, 16), out _, out VfioUserFrameError error);

        Assert.Equal(VfioUserDecodeStatus.Error, status);
        Assert.Equal(VfioUserFrameError.Close(VfioUserFrameFault.UnexpectedReply), error);
    }

    [Fact]
    public void Decode_CommandWhereOnlyRepliesAreExpected_Closes()
    {
        var replies = new VfioUserFrameDecoder(VfioUserFrameKinds.Replies);

        VfioUserDecodeStatus status = replies.Decode(Wire.Command(1, VfioUserCommand.DmaRead, new byte[16]), out _, out VfioUserFrameError error);

        Assert.Equal(VfioUserDecodeStatus.Error, status);
        Assert.Equal(VfioUserFrameFault.UnexpectedCommand, error.Fault);
        Assert.Equal(VfioUserFrameAction.Close, error.Action);
    }

    [Fact]
    public void Decode_ReplyOnAStreamOfBoth_IsFrame()
    {
        byte[] reply = Wire.Reply(1, VfioUserCommand.DeviceGetInfo, new byte[16]);

        Assert.Equal(VfioUserDecodeStatus.Frame, Any.Decode(reply, out VfioUserFrame frame, out _));
        Assert.True(frame.Header.IsReply);
    }

    [Theory]
    [InlineData(0x2u)]
    [InlineData(0xFu)]
    [InlineData(0x23u)] // type 3 with the Error bit
    public void Decode_TypeNeitherCommandNorReply_Closes(uint flags)
    {
        byte[] bytes = Wire.RawHeader(1, (ushort)VfioUserCommand.DeviceReset, 16, flags);

        Assert.Equal(VfioUserDecodeStatus.Error, Any.Decode(bytes, out _, out VfioUserFrameError error));
        Assert.Equal(VfioUserFrameError.Close(VfioUserFrameFault.InvalidType), error);
    }

    [Fact]
    public void Decode_ReplyNamingUnknownCommand_Closes()
    {
        byte[] bytes = Wire.RawHeader(1, 14, 16, 1);

        Assert.Equal(VfioUserDecodeStatus.Error, Any.Decode(bytes, out _, out VfioUserFrameError error));
        Assert.Equal(VfioUserFrameError.Close(VfioUserFrameFault.UnknownCommand), error);
    }

    [Theory]
    [InlineData(15, VfioUserFrameKinds.Commands)] // below the header
    [InlineData(VfioUserLimits.MaxMessageSize + 1, VfioUserFrameKinds.Commands)] // above the hard bound
    [InlineData(1024, (VfioUserFrameKinds)0)] // no kind
    [InlineData(1024, (VfioUserFrameKinds)4)] // an unknown kind
    public void Constructor_BadBoundOrKinds_Throws(int maxMessageSize, VfioUserFrameKinds kinds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VfioUserFrameDecoder(kinds, maxMessageSize));

    [Fact]
    public void Decode_StreamOfFrames_AllocatesNothing()
    {
        byte[] stream = Stream();
        int frames = 0;
        int calls = 0;

        long allocated = AllocationMeter.Least(
            round =>
            {
                calls++;
                ReadOnlySpan<byte> rest = stream;
                while (Any.Decode(rest, out VfioUserFrame frame, out _) == VfioUserDecodeStatus.Frame)
                {
                    frames++;
                    rest = rest[frame.Length..];
                }
            },
            iterations: 1000);

        Assert.Equal(0, allocated);
        Assert.Equal(6 * calls, frames); // every pass decoded the whole stream
    }

    /// <summary>Six pipelined frames of different sizes, commands and a reply.</summary>
    private static byte[] Stream()
    {
        byte[] map = new byte[32];
        VfioUserDmaMap.Create(VfioUserDmaMapFlags.Read, 0, 0x1000, 0x1000).Write(map);
        byte[] write = new byte[20];
        new VfioUserRegionAccess(0x10, 0, [0xA, 0xB, 0xC, 0xD]).Write(write);
        byte[] read = new byte[8];
        return
        [
            .. Wire.Command(1, VfioUserCommand.Version, [0, 0, 2, 0]),
            .. Wire.Command(2, VfioUserCommand.DmaMap, map),
            .. Wire.Command(3, VfioUserCommand.RegionWrite, write),
            .. Wire.Command(4, VfioUserCommand.DeviceReset, []),
            .. Wire.Reply(5, VfioUserCommand.RegionRead, read),
            .. Wire.Command(6, VfioUserCommand.DmaWrite, new byte[16]),
        ];
    }

    private static int[] Boundaries(byte[] stream)
    {
        var boundaries = new List<int> { 0 };
        int at = 0;
        while (at < stream.Length)
        {
            at += (int)Wire.U32(stream, at + 4);
            boundaries.Add(at);
        }

        return [.. boundaries];
    }

    /// <summary>Receives the chunks one after the other as a transport would, decoding whole frames as they complete.</summary>
    private static List<(VfioUserHeader Header, byte[] Payload)> Receive(params byte[][] chunks)
    {
        var frames = new List<(VfioUserHeader, byte[])>();
        byte[] pending = [];
        foreach (byte[] chunk in chunks)
        {
            pending = [.. pending, .. chunk];
            int consumed = 0;
            while (true)
            {
                VfioUserDecodeStatus status = Any.Decode(pending.AsSpan(consumed), out VfioUserFrame frame, out VfioUserFrameError error);
                Assert.NotEqual(VfioUserDecodeStatus.Error, status);
                if (status == VfioUserDecodeStatus.Incomplete)
                {
                    break;
                }

                frames.Add((frame.Header, frame.Payload.ToArray()));
                consumed += frame.Length;
                Assert.Equal(VfioUserFrameError.None, error);
            }

            pending = pending[consumed..];
        }

        Assert.Empty(pending);
        return frames;
    }
}
