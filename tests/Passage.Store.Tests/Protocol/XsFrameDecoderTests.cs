using System.Buffers;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;
using Passage.Tests.Shared;

namespace Passage.Store.Tests.Protocol;

public sealed class XsFrameDecoderTests
{
    private static readonly byte[] TwoFrames =
    [
        .. Frames.Build(XsMessageType.Write, 7, 3, "/a/b\0value"u8),
        .. Frames.Build(XsMessageType.Read, 8, 0, "/a/b\0"u8),
    ];

    private static readonly int FirstSize = XsHeader.Size + "/a/b\0value"u8.Length;

    [Fact]
    public void Decode_Sequence_EveryTwoCutsOfTwoFrames_DecodesBothExactly()
    {
        // Every pair of cut points: header and payload split anywhere, across three segments.
        for (int i = 0; i <= TwoFrames.Length; i++)
        {
            for (int j = i; j <= TwoFrames.Length; j++)
            {
                ReadOnlySequence<byte> received = Segments.Cut(TwoFrames, i, j);

                Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(received, out XsHeader first, out ReadOnlySequence<byte> firstPayload, out SequencePosition firstEnd));
                Assert.Equal(new XsHeader(XsMessageType.Write, 7, 3, 10), first);
                Assert.Equal("/a/b\0value"u8.ToArray(), firstPayload.ToArray());
                Assert.Equal(FirstSize, received.Slice(0, firstEnd).Length);

                ReadOnlySequence<byte> rest = received.Slice(firstEnd);
                Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(rest, out XsHeader second, out ReadOnlySequence<byte> secondPayload, out SequencePosition secondEnd));
                Assert.Equal(new XsHeader(XsMessageType.Read, 8, 0, 5), second);
                Assert.Equal("/a/b\0"u8.ToArray(), secondPayload.ToArray());
                Assert.True(rest.Slice(secondEnd).IsEmpty);
            }
        }
    }

    [Fact]
    public void Decode_Sequence_EveryPrefixOfAFrame_Incomplete()
    {
        for (int length = 0; length < FirstSize; length++)
        {
            ReadOnlySequence<byte> received = Segments.Cut(TwoFrames[..length], length / 2);

            Assert.Equal(XsFrameStatus.Incomplete, XsFrameDecoder.Decode(received, out _, out _, out SequencePosition end));
            Assert.Equal(received.Start, end);
        }
    }

    [Fact]
    public void Decode_Span_EveryPrefixOfAFrame_IncompleteThenFrame()
    {
        for (int length = 0; length <= FirstSize; length++)
        {
            XsFrameStatus status = XsFrameDecoder.Decode(TwoFrames.AsSpan(0, length), out _, out ReadOnlySpan<byte> payload, out int consumed);

            Assert.Equal(length == FirstSize ? XsFrameStatus.Frame : XsFrameStatus.Incomplete, status);
            Assert.Equal(length == FirstSize ? FirstSize : 0, consumed);
            Assert.Equal(length == FirstSize ? 10 : 0, payload.Length);
        }
    }

    [Fact]
    public void Decode_Span_TwoFrames_SecondFollowsFirst()
    {
        Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(TwoFrames, out XsHeader first, out ReadOnlySpan<byte> firstPayload, out int consumed));
        Assert.Equal(XsMessageType.Write, first.Type);
        Assert.Equal("/a/b\0value"u8, firstPayload);

        Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(TwoFrames.AsSpan(consumed), out XsHeader second, out ReadOnlySpan<byte> secondPayload, out int secondConsumed));
        Assert.Equal(8u, second.RequestId);
        Assert.Equal("/a/b\0"u8, secondPayload);
        Assert.Equal(TwoFrames.Length, consumed + secondConsumed);
    }

    [Theory]
    [InlineData(4097u)] // one byte over XENSTORE_PAYLOAD_MAX
    [InlineData(uint.MaxValue)] // a length that would overflow a signed size
    public void Decode_LengthAboveLimit_TooLargeWithoutWaitingForThePayload(uint length)
    {
        byte[] header = Frames.HeaderOnly(XsMessageType.Write, 5, 0, length);

        Assert.Equal(XsFrameStatus.TooLarge, XsFrameDecoder.Decode(header, out XsHeader spanHeader, out _, out int consumed));
        Assert.Equal(length, spanHeader.Length);
        Assert.Equal(0, consumed);
        Assert.Equal(XsFrameStatus.TooLarge, XsFrameDecoder.Decode(Segments.Cut(header, 3, 9), out XsHeader sequenceHeader, out _, out _));
        Assert.Equal(5u, sequenceHeader.RequestId);
    }

    [Fact]
    public void Decode_LengthAtLimit_IncompleteUntilAllThenFrame()
    {
        byte[] frame = Frames.Build(XsMessageType.Write, 1, 0, new byte[XsHeader.MaxPayload]);

        Assert.Equal(XsFrameStatus.Incomplete, XsFrameDecoder.Decode(frame.AsSpan(0, frame.Length - 1), out _, out _, out _));
        Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(Segments.Cut(frame, 100, 2000), out _, out ReadOnlySequence<byte> payload, out _));
        Assert.Equal(XsHeader.MaxPayload, payload.Length);
    }

    [Fact]
    public void Decode_ZeroLengthPayload_FrameOfHeaderOnly()
    {
        byte[] frame = Frames.HeaderOnly(XsMessageType.TransactionStart, 9, 0, 0);

        Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(frame, out XsHeader header, out ReadOnlySpan<byte> payload, out int consumed));
        Assert.Equal(XsMessageType.TransactionStart, header.Type);
        Assert.Equal(0, payload.Length);
        Assert.Equal(XsHeader.Size, consumed);
        Assert.Equal(XsFrameStatus.Frame, XsFrameDecoder.Decode(Segments.Cut(frame, 8), out _, out ReadOnlySequence<byte> sequencePayload, out SequencePosition end));
        Assert.True(sequencePayload.IsEmpty);
        Assert.Equal(XsHeader.Size, new ReadOnlySequence<byte>(frame).Length);
        Assert.Equal(XsHeader.Size, Segments.Cut(frame, 8).Slice(0, end).Length);
    }

    [Fact]
    public void Decode_WarmSpanAndSequence_AllocatesNothing()
    {
        ReadOnlySequence<byte> split = Segments.Cut(TwoFrames, 5, 30);
        long bytes = AllocationMeter.Least(
            _ =>
            {
                XsFrameDecoder.Decode(TwoFrames, out XsHeader _, out ReadOnlySpan<byte> _, out int _);
                XsFrameDecoder.Decode(split, out XsHeader _, out ReadOnlySequence<byte> _, out SequencePosition _);
            },
            1000);

        Assert.Equal(0, bytes);
    }
}
