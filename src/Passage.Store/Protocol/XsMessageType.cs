namespace Passage.Store.Protocol;

/// <summary>XenStore message types (<c>xs_wire.h</c> numbering; store.md §2). The numbers are wire values and never change.</summary>
public enum XsMessageType : uint
{
    /// <summary>CONTROL (formerly DEBUG): privileged commands such as <c>help</c>, <c>quota</c>, <c>check</c>.</summary>
    Control = 0,

    /// <summary>DIRECTORY: the children of a node, in insertion order.</summary>
    Directory = 1,

    /// <summary>READ: a node's raw value.</summary>
    Read = 2,

    /// <summary>GET_PERMS: a node's permission list.</summary>
    GetPerms = 3,

    /// <summary>WATCH: register a watch (fires once on registration).</summary>
    Watch = 4,

    /// <summary>UNWATCH: remove a watch.</summary>
    Unwatch = 5,

    /// <summary>TRANSACTION_START: open a transaction; replies with its decimal id.</summary>
    TransactionStart = 6,

    /// <summary>TRANSACTION_END: <c>T</c> commits, <c>F</c> aborts.</summary>
    TransactionEnd = 7,

    /// <summary>INTRODUCE: register a domain (privileged).</summary>
    Introduce = 8,

    /// <summary>RELEASE: forget a domain and delete its nodes (privileged).</summary>
    Release = 9,

    /// <summary>GET_DOMAIN_PATH: <c>/local/domain/&lt;domid&gt;</c>.</summary>
    GetDomainPath = 10,

    /// <summary>WRITE: set a node's value, creating missing parents.</summary>
    Write = 11,

    /// <summary>MKDIR: create a node, keeping an existing value.</summary>
    Mkdir = 12,

    /// <summary>RM: remove a subtree.</summary>
    Rm = 13,

    /// <summary>SET_PERMS: replace a node's permission list.</summary>
    SetPerms = 14,

    /// <summary>WATCH_EVENT: server to client, <c>path\0token\0</c>.</summary>
    WatchEvent = 15,

    /// <summary>ERROR: the reply to a failed request, <c>E&lt;NAME&gt;\0</c>.</summary>
    Error = 16,

    /// <summary>IS_DOMAIN_INTRODUCED: <c>T</c> or <c>F</c> (privileged).</summary>
    IsDomainIntroduced = 17,

    /// <summary>RESUME: clear a domain's shutdown flag (privileged).</summary>
    Resume = 18,

    /// <summary>SET_TARGET: let a domain act for another (a stub domain for its guest; privileged).</summary>
    SetTarget = 19,

    /// <summary>RESTRICT: removed from Xen; answered with ENOSYS.</summary>
    Restrict = 20,

    /// <summary>RESET_WATCHES: drop the caller's watches and transactions.</summary>
    ResetWatches = 21,

    /// <summary>DIRECTORY_PART: a chunk of a long child list with the node's generation.</summary>
    DirectoryPart = 22,

    /// <summary>GET_FEATURE (C xenstored ≥ 4.21); answered with ENOSYS.</summary>
    GetFeature = 23,

    /// <summary>SET_FEATURE (C xenstored ≥ 4.21); answered with ENOSYS.</summary>
    SetFeature = 24,

    /// <summary>GET_QUOTA (C xenstored ≥ 4.22); answered with ENOSYS.</summary>
    GetQuota = 25,

    /// <summary>SET_QUOTA (C xenstored ≥ 4.22); answered with ENOSYS.</summary>
    SetQuota = 26,

    /// <summary>Never a valid type.</summary>
    Invalid = 65535,
}
