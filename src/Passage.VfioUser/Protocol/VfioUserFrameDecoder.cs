using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// Splits received bytes into frames (vfio-user.md §1, §9; csharp-conventions.md §8): given the
/// bytes received so far, it reports an incomplete frame, a whole frame to consume, or a refused
/// one with what to do. It reads only the buffer it is given, keeps no state between calls and
/// allocates nothing. A size below the header or above the bound, an invalid type, or a message
/// of a kind the stream does not carry closes the connection before the body is awaited; an
/// unknown command is answered with EINVAL once its whole body has arrived, so the stream stays in
/// step (libvfio-user leaves such a body unread and loses its place).
/// </summary>
public sealed class VfioUserFrameDecoder
{
    /// <summary>A decoder for a stream carrying <paramref name="expected"/>, refusing messages above <paramref name="maxMessageSize"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMessageSize"/> is below the header or above <see cref="VfioUserLimits.MaxMessageSize"/>, or <paramref name="expected"/> names no kind.</exception>
    public VfioUserFrameDecoder(VfioUserFrameKinds expected, int maxMessageSize = VfioUserLimits.MaxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, VfioUserProtocol.HeaderSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageSize, VfioUserLimits.MaxMessageSize);
        if ((expected & VfioUserFrameKinds.Any) == 0 || (expected & ~VfioUserFrameKinds.Any) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expected), expected, "expected kinds must be commands, replies or both");
        }

        Expected = expected;
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>The kinds of message the stream carries.</summary>
    public VfioUserFrameKinds Expected { get; }

    /// <summary>The largest message size accepted, header included.</summary>
    public int MaxMessageSize { get; }

    /// <summary>
    /// Decodes the frame at the start of <paramref name="received"/>. On <see cref="VfioUserDecodeStatus.Frame"/>,
    /// and on <see cref="VfioUserDecodeStatus.Error"/> with <see cref="VfioUserFrameAction.ReplyWithError"/>,
    /// <paramref name="frame"/> holds the frame and <see cref="VfioUserFrame.Length"/> bytes are consumed;
    /// otherwise it is empty and nothing is consumed.
    /// </summary>
    public VfioUserDecodeStatus Decode(ReadOnlySpan<byte> received, out VfioUserFrame frame, out VfioUserFrameError error)
    {
        frame = default;
        error = VfioUserFrameError.None;
        if (!VfioUserHeader.TryRead(received, out VfioUserHeader header))
        {
            return VfioUserDecodeStatus.Incomplete;
        }

        VfioUserFrameFault fault = CheckHeader(header);
        if (fault != VfioUserFrameFault.None)
        {
            error = VfioUserFrameError.Close(fault);
            return VfioUserDecodeStatus.Error;
        }

        // The size is now within [16, MaxMessageSize], so the cast and the slice are safe.
        int size = (int)header.MessageSize;
        if (received.Length < size)
        {
            return VfioUserDecodeStatus.Incomplete;
        }

        frame = new VfioUserFrame(header, received[VfioUserProtocol.HeaderSize..size]);
        if (!VfioUserCommands.IsKnown(header.Command))
        {
            error = VfioUserFrameError.Reply(VfioUserFrameFault.UnknownCommand, Errno.EINVAL);
            return VfioUserDecodeStatus.Error;
        }

        return VfioUserDecodeStatus.Frame;
    }

    private VfioUserFrameFault CheckHeader(in VfioUserHeader header)
    {
        if (header.MessageSize < VfioUserProtocol.HeaderSize)
        {
            return VfioUserFrameFault.SizeBelowHeader;
        }

        if (header.MessageSize > (uint)MaxMessageSize)
        {
            return VfioUserFrameFault.SizeAboveLimit;
        }

        if (header.IsCommand)
        {
            return (Expected & VfioUserFrameKinds.Commands) != 0 ? VfioUserFrameFault.None : VfioUserFrameFault.UnexpectedCommand;
        }

        if (!header.IsReply)
        {
            return VfioUserFrameFault.InvalidType;
        }

        if ((Expected & VfioUserFrameKinds.Replies) == 0)
        {
            return VfioUserFrameFault.UnexpectedReply;
        }

        // A reply cannot be answered, and one naming no command matches no request.
        return VfioUserCommands.IsKnown(header.Command) ? VfioUserFrameFault.None : VfioUserFrameFault.UnknownCommand;
    }
}
