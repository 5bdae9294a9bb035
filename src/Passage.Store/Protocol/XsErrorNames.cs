namespace Passage.Store.Protocol;

/// <summary>
/// The error names an ERROR reply carries (store.md §3), as UTF-8 tokens, and the mapping both ways
/// between them and <see cref="StoreError"/>. A name Passage does not list (oxenstored's
/// <c>EQUOTA</c>, anything newer) reads as <see cref="StoreError.EINVAL"/>, as libxenstore does.
/// </summary>
public static class XsErrorNames
{
    /// <summary><c>EINVAL</c>.</summary>
    public static ReadOnlySpan<byte> EINVAL => "EINVAL"u8;

    /// <summary><c>EACCES</c>.</summary>
    public static ReadOnlySpan<byte> EACCES => "EACCES"u8;

    /// <summary><c>EEXIST</c>.</summary>
    public static ReadOnlySpan<byte> EEXIST => "EEXIST"u8;

    /// <summary><c>EISDIR</c>.</summary>
    public static ReadOnlySpan<byte> EISDIR => "EISDIR"u8;

    /// <summary><c>ENOENT</c>.</summary>
    public static ReadOnlySpan<byte> ENOENT => "ENOENT"u8;

    /// <summary><c>ENOMEM</c>.</summary>
    public static ReadOnlySpan<byte> ENOMEM => "ENOMEM"u8;

    /// <summary><c>ENOSPC</c>.</summary>
    public static ReadOnlySpan<byte> ENOSPC => "ENOSPC"u8;

    /// <summary><c>EIO</c>.</summary>
    public static ReadOnlySpan<byte> EIO => "EIO"u8;

    /// <summary><c>ENOTEMPTY</c>.</summary>
    public static ReadOnlySpan<byte> ENOTEMPTY => "ENOTEMPTY"u8;

    /// <summary><c>ENOSYS</c>.</summary>
    public static ReadOnlySpan<byte> ENOSYS => "ENOSYS"u8;

    /// <summary><c>EROFS</c>.</summary>
    public static ReadOnlySpan<byte> EROFS => "EROFS"u8;

    /// <summary><c>EBUSY</c>.</summary>
    public static ReadOnlySpan<byte> EBUSY => "EBUSY"u8;

    /// <summary><c>EAGAIN</c>.</summary>
    public static ReadOnlySpan<byte> EAGAIN => "EAGAIN"u8;

    /// <summary><c>EISCONN</c>.</summary>
    public static ReadOnlySpan<byte> EISCONN => "EISCONN"u8;

    /// <summary><c>E2BIG</c>.</summary>
    public static ReadOnlySpan<byte> E2BIG => "E2BIG"u8;

    /// <summary><c>EPERM</c>.</summary>
    public static ReadOnlySpan<byte> EPERM => "EPERM"u8;

    /// <summary>The wire name of <paramref name="error"/>, without its NUL.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="error"/> is <see cref="StoreError.None"/> or not a listed error.</exception>
    public static ReadOnlySpan<byte> NameOf(StoreError error) => error switch
    {
        StoreError.EINVAL => EINVAL,
        StoreError.EACCES => EACCES,
        StoreError.EEXIST => EEXIST,
        StoreError.EISDIR => EISDIR,
        StoreError.ENOENT => ENOENT,
        StoreError.ENOMEM => ENOMEM,
        StoreError.ENOSPC => ENOSPC,
        StoreError.EIO => EIO,
        StoreError.ENOTEMPTY => ENOTEMPTY,
        StoreError.ENOSYS => ENOSYS,
        StoreError.EROFS => EROFS,
        StoreError.EBUSY => EBUSY,
        StoreError.EAGAIN => EAGAIN,
        StoreError.EISCONN => EISCONN,
        StoreError.E2BIG => E2BIG,
        StoreError.EPERM => EPERM,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "not an error that goes on the wire"),
    };

    /// <summary>The error <paramref name="name"/> (without its NUL) stands for; false for a name Passage does not list.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out StoreError error)
    {
        for (StoreError candidate = StoreError.EINVAL; candidate <= StoreError.EPERM; candidate++)
        {
            if (name.SequenceEqual(NameOf(candidate)))
            {
                error = candidate;
                return true;
            }
        }

        error = StoreError.None;
        return false;
    }

    /// <summary>
    /// The error an ERROR reply's payload stands for: the name up to the first NUL (or the end), an
    /// unlisted or empty name being <see cref="StoreError.EINVAL"/> (store.md §3).
    /// </summary>
    public static StoreError FromPayload(ReadOnlySpan<byte> payload)
    {
        int nul = payload.IndexOf((byte)0);
        ReadOnlySpan<byte> name = nul < 0 ? payload : payload[..nul];
        return TryParse(name, out StoreError error) ? error : StoreError.EINVAL;
    }
}
