using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// Which messages may carry fds, and how many (vfio-user.md §7): DMA_MAP one (the window's memory);
/// SET_IRQS one per vector (checked exactly by <see cref="VfioUserSetIrqs.Validate"/>); the replies
/// to VERSION (the twin socket) and GET_REGION_INFO (the region) one; the reply to
/// GET_REGION_IO_FDS one per entry. Nothing else carries any, and nothing more than the receiver's
/// <c>max_msg_fds</c>. Fds that break the rule are closed and the message fails with EINVAL.
/// </summary>
public static class VfioUserFdRules
{
    /// <summary>The most fds a message with <paramref name="header"/> may carry, before the receiver's own limit.</summary>
    public static int MaxFds(in VfioUserHeader header)
    {
        if (header.IsReply)
        {
            if (header.IsError)
            {
                return 0;
            }

            return header.Command switch
            {
                VfioUserCommand.Version or VfioUserCommand.DeviceGetRegionInfo => 1,
                VfioUserCommand.DeviceGetRegionIoFds => VfioUserLimits.MaxIoFdEntries,
                _ => 0,
            };
        }

        return header.Command switch
        {
            VfioUserCommand.DmaMap => 1,
            VfioUserCommand.DeviceSetIrqs => VfioUserLimits.MaxIrqVectors,
            _ => 0,
        };
    }

    /// <summary>EINVAL when a message with <paramref name="header"/> arrived with more fds than it may carry or than <paramref name="maxMsgFds"/> (the receiver's limit).</summary>
    public static Errno Check(in VfioUserHeader header, int fdCount, int maxMsgFds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fdCount);
        return fdCount <= Math.Min(MaxFds(header), maxMsgFds) ? Errno.None : Errno.EINVAL;
    }
}
