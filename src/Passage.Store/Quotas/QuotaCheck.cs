using Passage.Store.Tree;

namespace Passage.Store.Quotas;

/// <summary>The quota rules of store.md §8 that look at one node or one count, in one place.</summary>
internal static class QuotaCheck
{
    /// <summary>The node-size rule: a node whose size reaches the limit fails.</summary>
    public static bool NodeTooBig(Node node, StoreOptions options) => node.Size >= options.NodeSizeQuota;

    /// <summary>The node rule: owning more than the quota fails.</summary>
    public static bool TooManyNodes(int ownedAfter, StoreOptions options) => ownedAfter > options.NodeQuota;

    /// <summary>The watch rule, C's <c>&gt;</c> check made before adding: with quota + 1 registered the next fails.</summary>
    public static bool TooManyWatches(int registered, StoreOptions options) => registered > options.WatchQuota;

    /// <summary>The transaction rule, C's <c>&gt;</c> check made before opening: with quota + 1 open the next fails.</summary>
    public static bool TooManyTransactions(int open, StoreOptions options) => open > options.TransactionQuota;

    /// <summary>The permission-entry rule: more entries than the quota fail.</summary>
    public static bool TooManyPermissionEntries(int entries, StoreOptions options) => entries > options.PermissionEntryQuota;
}
