using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>Which messages carry fds, and how many (vfio-user.md §7).</summary>
public sealed class VfioUserFdRulesTests
{
    [Theory]
    [InlineData(VfioUserCommand.DmaMap, false, 1, Errno.None)] // the window's memory
    [InlineData(VfioUserCommand.DmaMap, false, 0, Errno.None)] // a window served by DMA messages
    [InlineData(VfioUserCommand.DmaMap, false, 2, Errno.EINVAL)]
    [InlineData(VfioUserCommand.DeviceSetIrqs, false, 8, Errno.None)] // up to the receiver's limit
    [InlineData(VfioUserCommand.DeviceSetIrqs, false, 9, Errno.EINVAL)] // beyond max_msg_fds 8
    [InlineData(VfioUserCommand.Version, false, 1, Errno.EINVAL)] // no fds from the client
    [InlineData(VfioUserCommand.RegionWrite, false, 1, Errno.EINVAL)] // a command that takes none
    [InlineData(VfioUserCommand.DeviceReset, false, 0, Errno.None)]
    [InlineData(VfioUserCommand.Version, true, 1, Errno.None)] // the twin socket
    [InlineData(VfioUserCommand.Version, true, 2, Errno.EINVAL)]
    [InlineData(VfioUserCommand.DeviceGetRegionInfo, true, 1, Errno.None)] // the region
    [InlineData(VfioUserCommand.DeviceGetRegionInfo, true, 2, Errno.EINVAL)]
    [InlineData(VfioUserCommand.DeviceGetRegionIoFds, true, 8, Errno.None)]
    [InlineData(VfioUserCommand.DmaMap, true, 1, Errno.EINVAL)] // the reply is empty
    public void Check_FdsWithMessage_FollowTheRules(VfioUserCommand command, bool reply, int fds, Errno expected)
    {
        VfioUserHeader header = reply
            ? VfioUserHeader.ForReply(VfioUserHeader.ForCommand(1, command, 0), 0)
            : VfioUserHeader.ForCommand(1, command, 0);

        Assert.Equal(expected, VfioUserFdRules.Check(header, fds, maxMsgFds: 8));
    }

    [Fact]
    public void Check_FailureReplyWithFd_Einval()
    {
        VfioUserHeader failure = VfioUserErrorReply.For(VfioUserHeader.ForCommand(1, VfioUserCommand.DeviceGetRegionInfo, 32), Errno.EINVAL);

        Assert.Equal(Errno.EINVAL, VfioUserFdRules.Check(failure, 1, 8));
    }

    [Fact]
    public void Check_ReceiverLimitBelowCommandsNeed_LimitWins() =>
        Assert.Equal(Errno.EINVAL, VfioUserFdRules.Check(VfioUserHeader.ForCommand(1, VfioUserCommand.DmaMap, 32), 1, maxMsgFds: 0));
}
