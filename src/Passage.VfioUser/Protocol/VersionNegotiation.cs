using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// VERSION negotiation (vfio-user.md §3): the server's answer to a client's offer, and the client's
/// check of that answer. The reply keeps the major, takes the lower minor, and answers a subset of
/// the offer; a side that cannot agree closes.
/// </summary>
public static class VersionNegotiation
{
    /// <summary>
    /// The server's answer to a client offering <paramref name="clientMajor"/>.<paramref name="clientMinor"/>
    /// with <paramref name="offer"/>, given the server's own <paramref name="local"/> capabilities:
    /// minor = min(client, <see cref="VfioUserProtocol.MinorVersion"/>); <c>max_msg_fds</c> the
    /// server's own (what it can receive); <c>max_data_xfer_size</c> and <c>max_dma_maps</c> the
    /// lower of the two; <c>pgsizes</c> the sizes both have; twin socket accepted at
    /// <paramref name="twinSocketFdIndex"/> only when both sides support it; write_multiple when both
    /// do; migration only when both have it. EINVAL when they cannot agree: another major, a
    /// transfer size of 0, or no page size in common.
    /// </summary>
    public static bool TryAnswer(ushort clientMajor, ushort clientMinor, VersionCapabilities offer, VersionCapabilities local, out VersionAnswer? answer, out Errno error, int twinSocketFdIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentOutOfRangeException.ThrowIfNegative(twinSocketFdIndex);
        answer = null;
        error = Errno.EINVAL;
        ulong pgSizes = offer.PgSizes & local.PgSizes;
        ulong maxDataXferSize = Math.Min(offer.MaxDataXferSize, local.MaxDataXferSize);
        if (clientMajor != VfioUserProtocol.MajorVersion || pgSizes == 0 || maxDataXferSize == 0)
        {
            return false;
        }

        bool twin = offer.TwinSocket is { Supported: true } && local.TwinSocket is { Supported: true };
        var capabilities = new VersionCapabilities
        {
            MaxMsgFds = local.MaxMsgFds,
            MaxDataXferSize = maxDataXferSize,
            MaxDmaMaps = Math.Min(offer.MaxDmaMaps, local.MaxDmaMaps),
            PgSizes = pgSizes,
            TwinSocket = twin ? new TwinSocketCapability(true, twinSocketFdIndex) : null,
            WriteMultiple = offer.WriteMultiple && local.WriteMultiple,
            Migration = offer.Migration is not null ? local.Migration : null,
        };
        answer = new VersionAnswer(clientMajor, Math.Min(clientMinor, VfioUserProtocol.MinorVersion), capabilities);
        error = Errno.None;
        return true;
    }

    /// <summary>
    /// The client's check of a server's answer to its <paramref name="offeredMinor"/> and
    /// <paramref name="offer"/>, received with <paramref name="fdCount"/> fds: the same major, a
    /// minor no higher than offered, <c>max_data_xfer_size</c> not 0, and a twin socket that is
    /// absent or declined (fine without it) or accepted with an fd index among the fds received —
    /// and only if it was offered. Anything else is EINVAL: the client closes.
    /// </summary>
    public static Errno CheckAnswer(ushort offeredMinor, VersionCapabilities offer, ushort major, ushort minor, VersionCapabilities answer, int fdCount)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentOutOfRangeException.ThrowIfNegative(fdCount);
        if (major != VfioUserProtocol.MajorVersion || minor > offeredMinor || answer.MaxDataXferSize == 0)
        {
            return Errno.EINVAL;
        }

        if (answer.TwinSocket is not { Supported: true })
        {
            return fdCount == 0 ? Errno.None : Errno.EINVAL;
        }

        bool offered = offer.TwinSocket is { Supported: true };
        return offered && answer.TwinSocket.FdIndex is int index && index < fdCount && fdCount == 1 ? Errno.None : Errno.EINVAL;
    }
}
