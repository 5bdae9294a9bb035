namespace Passage.Store.Tree;

/// <summary>What a permission letter grants (store.md §5): <c>n</c> none, <c>r</c> read, <c>w</c> write, <c>b</c> both.</summary>
[Flags]
internal enum PermissionAccess
{
    /// <summary>Letter <c>n</c>.</summary>
    None = 0,

    /// <summary>Letter <c>r</c>.</summary>
    Read = 1,

    /// <summary>Letter <c>w</c>.</summary>
    Write = 2,

    /// <summary>Letter <c>b</c>.</summary>
    Both = Read | Write,
}
