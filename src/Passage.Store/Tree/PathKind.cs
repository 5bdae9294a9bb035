namespace Passage.Store.Tree;

/// <summary>How a request named a path (store.md §4).</summary>
internal enum PathKind
{
    /// <summary>Starts with <c>/</c>.</summary>
    Absolute,

    /// <summary>Resolved under the caller's <c>/local/domain/&lt;domid&gt;</c>; watch events report it relative.</summary>
    Relative,

    /// <summary><c>@introduceDomain</c>, <c>@releaseDomain</c> or <c>@releaseDomain/&lt;domid&gt;</c>: a watch name, not a node.</summary>
    Special,
}
