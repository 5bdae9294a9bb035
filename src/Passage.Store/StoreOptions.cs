using Microsoft.Extensions.Logging;

namespace Passage.Store;

/// <summary>
/// Settings of a store engine (store.md §8): the quotas applied to unprivileged domains, with C
/// xenstored's defaults, and the release behaviour. Outstanding-request and memory quotas belong
/// to the wire server and are not here.
/// </summary>
public sealed class StoreOptions
{
    /// <summary>Nodes a domain may own, its home node included (xenstored <c>-E</c>); creating one more answers ENOSPC.</summary>
    public int NodeQuota { get; init; } = 1000;

    /// <summary>Watches per connection (<c>-W</c>); the check is <c>&gt;</c>, so the watch after quota + 1 answers E2BIG.</summary>
    public int WatchQuota { get; init; } = 128;

    /// <summary>Open transactions per connection (<c>-t</c>); the check is <c>&gt;</c>, so the start after quota + 1 answers ENOSPC.</summary>
    public int TransactionQuota { get; init; } = 10;

    /// <summary>Nodes one transaction may touch (<c>-Q transaction-nodes=</c>); the next one answers ENOSPC and fails the transaction.</summary>
    public int TransactionNodeQuota { get; init; } = 1024;

    /// <summary>Permission entries per node (<c>-A</c>); more answer ENOSPC.</summary>
    public int PermissionEntryQuota { get; init; } = 5;

    /// <summary>Longest path after dropping a leading <c>/local/domain/&lt;n&gt;/</c> (<c>-M</c>); longer paths answer EINVAL for every caller.</summary>
    public int PathLengthQuota { get; init; } = 2048;

    /// <summary>Node size limit (<c>-S</c>): 24 + 8 per permission entry + value + packed child names; a node reaching it answers ENOSPC.</summary>
    public int NodeSizeQuota { get; init; } = 2048;

    /// <summary>Keep the nodes a released domain owns instead of deleting them (xenstored <c>-K</c>).</summary>
    public bool KeepReleasedNodes { get; init; }

    /// <summary>Where CONTROL <c>print</c> and tree-check findings are logged; null logs nothing.</summary>
    public ILogger? Logger { get; init; }
}
