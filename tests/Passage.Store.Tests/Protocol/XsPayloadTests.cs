using System.Buffers;
using Passage.Store.Protocol;

namespace Passage.Store.Tests.Protocol;

public sealed class XsPayloadTests
{
    [Fact]
    public void TryReadField_ThreeFieldsAndRawTail_TakesFieldsThenStopsAtTheTail()
    {
        ReadOnlySpan<byte> remaining = "wpath\0token\0\0raw"u8;

        Assert.True(XsPayload.TryReadField(ref remaining, out ReadOnlySpan<byte> first));
        Assert.True(XsPayload.TryReadField(ref remaining, out ReadOnlySpan<byte> second));
        Assert.True(XsPayload.TryReadField(ref remaining, out ReadOnlySpan<byte> third));
        Assert.False(XsPayload.TryReadField(ref remaining, out ReadOnlySpan<byte> none));

        Assert.Equal("wpath"u8, first);
        Assert.Equal("token"u8, second);
        Assert.Equal(0, third.Length);
        Assert.Equal(0, none.Length);
        Assert.Equal("raw"u8, remaining);
    }

    [Theory]
    [InlineData("", 0)] // empty payload
    [InlineData("\0", 1)] // the one-NUL "empty" request
    [InlineData("a\0b\0", 2)] // two fields
    [InlineData("a\0tail", 1)] // an unterminated tail is not a field
    public void CountFields_Payload_CountsTerminatedFields(string payload, int expected)
    {
        Assert.Equal(expected, XsPayload.CountFields(System.Text.Encoding.UTF8.GetBytes(payload)));
    }

    [Fact]
    public void WriteField_BufferWriter_FieldThenNul()
    {
        var writer = new ArrayBufferWriter<byte>();

        XsPayload.WriteField(writer, "/local/domain/5"u8);
        XsPayload.WriteField(writer, ""u8);

        Assert.Equal("/local/domain/5\0\0"u8, writer.WrittenSpan);
    }

    [Fact]
    public void WriteField_SpanTooShort_Throws()
    {
        byte[] destination = new byte[3];

        Assert.Throws<ArgumentException>(() => XsPayload.WriteField(destination, "abc"u8));
        Assert.Equal(4, XsPayload.WriteField(new byte[4], "abc"u8));
    }

    [Fact]
    public void WriteWatchEvent_PathAndToken_IdsZeroAndFields()
    {
        var writer = new ArrayBufferWriter<byte>();

        XsFrameWriter.WriteWatchEvent(writer, "/a/b"u8, "tok"u8);

        Assert.Equal(new byte[] { 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, (byte)'/', (byte)'a', (byte)'/', (byte)'b', 0, (byte)'t', (byte)'o', (byte)'k', 0 }, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteWatchEvent_OverPayloadLimit_Throws()
    {
        byte[] path = new byte[XsHeader.MaxPayload - 2];
        var writer = new ArrayBufferWriter<byte>();

        Assert.True(XsFrameWriter.WatchEventFits(path, ""u8));
        Assert.False(XsFrameWriter.WatchEventFits(path, "t"u8));
        Assert.Throws<ArgumentException>(() => XsFrameWriter.WriteWatchEvent(writer, path, "t"u8));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void WriteError_Eagain_ErrorFrameWithRequestIds()
    {
        var writer = new ArrayBufferWriter<byte>();

        XsFrameWriter.WriteError(writer, 12, 4, StoreError.EAGAIN);

        Assert.True(XsHeader.TryRead(writer.WrittenSpan, out XsHeader header));
        Assert.Equal(new XsHeader(XsMessageType.Error, 12, 4, 7), header);
        Assert.Equal("EAGAIN\0"u8, writer.WrittenSpan[XsHeader.Size..]);
    }

    [Fact]
    public void Write_PayloadOverLimit_Throws()
    {
        Assert.Throws<ArgumentException>(() => XsFrameWriter.Write(new ArrayBufferWriter<byte>(), XsMessageType.Write, 1, 0, new byte[XsHeader.MaxPayload + 1]));
    }
}
