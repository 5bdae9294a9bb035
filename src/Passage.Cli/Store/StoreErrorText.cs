using Passage.Store;

namespace Passage.Cli.Store;

/// <summary>What a store error means, for the one line a failed command prints.</summary>
internal static class StoreErrorText
{
    public static string Describe(StoreError error) => error switch
    {
        StoreError.ENOENT => "no such node (ENOENT)",
        StoreError.EACCES => "permission denied (EACCES)",
        StoreError.EINVAL => "invalid path, permission list or argument (EINVAL)",
        StoreError.EEXIST => "already exists (EEXIST)",
        StoreError.ENOSPC => "quota exceeded (ENOSPC)",
        StoreError.E2BIG => "too big (E2BIG)",
        StoreError.EPERM => "only a privileged domain may change the owner (EPERM)",
        StoreError.EAGAIN => "kept conflicting with other writers (EAGAIN)",
        _ => error.ToString(),
    };
}
