namespace Passage.VfioUser.Transport;

/// <summary>How many fds a <see cref="UnixSocket"/> accepts per message in each direction.</summary>
public sealed record UnixSocketOptions
{
    /// <summary>The default for both directions: vfio-user's <c>max_msg_fds</c> as Passage offers it.</summary>
    public const int DefaultMaxFds = 8;

    /// <summary>The largest <c>max_msg_fds</c> vfio-user allows (vfio-user.md §3).</summary>
    public const int MaxFdsLimit = 1024;

    /// <summary>The defaults: 8 fds per message each way.</summary>
    public static UnixSocketOptions Default { get; } = new();

    /// <summary>
    /// Fds this side receives with one message (0–1024): sizes the <c>recvmsg</c> control buffer;
    /// a message with more is a protocol error (<c>MSG_CTRUNC</c>).
    /// </summary>
    public int MaxReceiveFds
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxFdsLimit);
            field = value;
        }
    } = DefaultMaxFds;

    /// <summary>
    /// Fds this side sends with one message (0–1024) until <see cref="UnixSocket.MaxSendFds"/> is changed,
    /// normally to the peer's <c>max_msg_fds</c> once VERSION is negotiated.
    /// </summary>
    public int MaxSendFds
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxFdsLimit);
            field = value;
        }
    } = DefaultMaxFds;
}
