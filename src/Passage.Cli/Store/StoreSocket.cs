namespace Passage.Cli.Store;

/// <summary>
/// Where the store's socket is, as Xen's own tools find it (store.md §1): <c>--socket</c>, else
/// <c>$XENSTORED_PATH</c>, else <c>$XENSTORED_RUNDIR/socket</c>, else <c>/var/run/xenstored/socket</c>.
/// </summary>
internal static class StoreSocket
{
    public const string Help = "The store's Unix socket; default $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket, else /var/run/xenstored/socket (where Xen's tools look).";

    public static string Resolve(string? option)
    {
        if (!string.IsNullOrEmpty(option))
        {
            return option;
        }

        if (Environment.GetEnvironmentVariable("XENSTORED_PATH") is { Length: > 0 } path)
        {
            return path;
        }

        return Environment.GetEnvironmentVariable("XENSTORED_RUNDIR") is { Length: > 0 } rundir
            ? Path.Combine(rundir, "socket")
            : "/var/run/xenstored/socket";
    }
}
