using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>Failure replies (vfio-user.md §1): only a header with Reply | Error and the errno; the reading side's EINVAL rule.</summary>
public sealed class VfioUserErrorReplyTests
{
    [Fact]
    public void Write_Request_IsHeaderOnlyWithErrorFlagsAndErrno()
    {
        VfioUserHeader request = VfioUserHeader.ForCommand(0x0102, VfioUserCommand.DeviceSetIrqs, 20);
        byte[] bytes = new byte[32];

        int written = VfioUserErrorReply.Write(bytes, request, Errno.EINVAL);

        Assert.Equal(16, written);
        Assert.Equal(0x0102, Wire.U16(bytes, 0));
        Assert.Equal(8, Wire.U16(bytes, 2));
        Assert.Equal(16u, Wire.U32(bytes, 4));
        Assert.Equal(0x21u, Wire.U32(bytes, 8));
        Assert.Equal(22u, Wire.U32(bytes, 12));
        Assert.All(bytes[16..], b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(0x01u, 22u, Errno.None)] // a plain reply: no error whatever the field holds
    [InlineData(0x21u, 22u, Errno.EINVAL)]
    [InlineData(0x21u, 1u, Errno.EPERM)]
    [InlineData(0x21u, 25u, Errno.ENOTTY)]
    [InlineData(0x21u, 4096u, (Errno)4096)] // the largest errno passes through
    [InlineData(0x21u, 0u, Errno.EINVAL)] // Error with errno 0
    [InlineData(0x21u, 4097u, Errno.EINVAL)] // above 4096
    [InlineData(0x21u, 0xFFFFFFFFu, Errno.EINVAL)] // −1
    [InlineData(0x21u, 0x80000000u, Errno.EINVAL)] // most negative
    public void ErrnoOf_Reply_FollowsTheReadingRule(uint flags, uint error, Errno expected)
    {
        var reply = new VfioUserHeader(1, VfioUserCommand.RegionRead, 16, (VfioUserMessageFlags)flags, error);

        Assert.Equal(expected, VfioUserErrorReply.ErrnoOf(reply));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(4097)]
    public void For_ErrnoOutsideOneTo4096_Throws(int errno) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => VfioUserErrorReply.For(VfioUserHeader.ForCommand(1, VfioUserCommand.Version, 4), (Errno)errno));

    [Fact]
    public void For_WrittenAndDecoded_ReadsBackTheErrno()
    {
        byte[] bytes = new byte[16];
        VfioUserErrorReply.Write(bytes, VfioUserHeader.ForCommand(9, VfioUserCommand.DeviceFeature, 8), Errno.ENOTTY);
        var decoder = new VfioUserFrameDecoder(VfioUserFrameKinds.Replies);

        Assert.Equal(VfioUserDecodeStatus.Frame, decoder.Decode(bytes, out VfioUserFrame frame, out _));
        Assert.Equal(Errno.ENOTTY, VfioUserErrorReply.ErrnoOf(frame.Header));
        Assert.True(frame.Payload.IsEmpty);
    }
}
