using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// Failure replies (vfio-user.md §1): only a header, flags Reply | Error, the errno in the error
/// field, size 16. The reading side treats errno 0, ≤ 0 or above 4096 as EINVAL, as libvfio-user does.
/// </summary>
public static class VfioUserErrorReply
{
    /// <summary>The header of the failure reply to <paramref name="request"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="errno"/> is not in 1..4096.</exception>
    public static VfioUserHeader For(in VfioUserHeader request, Errno errno)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual((int)errno, 0, nameof(errno));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((int)errno, VfioUserProtocol.MaxErrno, nameof(errno));
        return new VfioUserHeader(request.MessageId, request.Command, VfioUserProtocol.HeaderSize, VfioUserMessageFlags.Reply | VfioUserMessageFlags.Error, (uint)errno);
    }

    /// <summary>Writes the failure reply to <paramref name="request"/>; returns its size (16).</summary>
    public static int Write(Span<byte> destination, in VfioUserHeader request, Errno errno)
    {
        For(request, errno).Write(destination);
        return VfioUserProtocol.HeaderSize;
    }

    /// <summary>The errno a reply reports: <see cref="Errno.None"/> without the Error flag, else its error field, with 0, negative and above-4096 values read as <see cref="Errno.EINVAL"/>.</summary>
    public static Errno ErrnoOf(in VfioUserHeader reply)
    {
        if (!reply.IsError)
        {
            return Errno.None;
        }

        int value = unchecked((int)reply.Error);
        return value is <= 0 or > VfioUserProtocol.MaxErrno ? Errno.EINVAL : (Errno)value;
    }
}
