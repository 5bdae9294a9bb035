namespace Passage.Store;

/// <summary>
/// The error names a XenStore server sends (store.md §3), in <c>xs_wire.h</c> order; the order is
/// append-only and frozen. <see cref="None"/> is success and never goes on the wire.
/// </summary>
public enum StoreError
{
    /// <summary>Success.</summary>
    None = -1,

    /// <summary>Bad path, permissions or argument.</summary>
    EINVAL = 0,

    /// <summary>Permission denied, or a privileged-only message from an unprivileged caller.</summary>
    EACCES,

    /// <summary>Duplicate watch.</summary>
    EEXIST,

    /// <summary>Is a directory (unused by the server; kept for the order).</summary>
    EISDIR,

    /// <summary>Missing node, unknown transaction or watch.</summary>
    ENOENT,

    /// <summary>Commit of a transaction marked failed.</summary>
    ENOMEM,

    /// <summary>A quota was exceeded (nodes, transactions, node size, permission entries).</summary>
    ENOSPC,

    /// <summary>Internal input/output failure.</summary>
    EIO,

    /// <summary>Directory not empty (unused by the server; kept for the order).</summary>
    ENOTEMPTY,

    /// <summary>Unsupported message type.</summary>
    ENOSYS,

    /// <summary>Read-only store (unused by the server; kept for the order).</summary>
    EROFS,

    /// <summary>TRANSACTION_START inside an open transaction.</summary>
    EBUSY,

    /// <summary>Commit conflict: redo the whole transaction.</summary>
    EAGAIN,

    /// <summary>Already connected (unused by the server; kept for the order).</summary>
    EISCONN,

    /// <summary>Too big: a child list over the payload limit, or the watch quota.</summary>
    E2BIG,

    /// <summary>An unprivileged domain tried to change a node's owner.</summary>
    EPERM,
}
