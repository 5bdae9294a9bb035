using System.Buffers;
using Passage.Store.Protocol;
using Passage.Store.Quotas;
using Passage.Store.Tree;
using Passage.Store.Watches;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    private StoreError AddWatch(StoreConnection connection, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> rest = payload;
        if (!XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawPath) || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> token))
        {
            return StoreError.EINVAL;
        }

        int depth = -1;
        if (!rest.IsEmpty)
        {
            // The WATCHDEPTH form: a third argument, the levels below the path that still fire.
            if (!XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawDepth) || !rest.IsEmpty
                || !RequestArgs.TryParseNumber(rawDepth, out ulong parsed) || parsed > int.MaxValue)
            {
                return StoreError.EINVAL;
            }

            depth = (int)parsed;
        }

        StoreError error = ResolvePath(connection, rawPath, out ReadOnlySpan<char> path, out PathKind kind);
        if (error != StoreError.None)
        {
            return error;
        }

        foreach (Watch existing in connection.Watches)
        {
            if (path.SequenceEqual(existing.Path) && token.SequenceEqual(existing.Token))
            {
                return StoreError.EEXIST;
            }
        }

        if (!connection.IsPrivileged && QuotaCheck.TooManyWatches(connection.Watches.Count, _options))
        {
            return StoreError.E2BIG;
        }

        var watch = new Watch(connection, new string(path), kind, rawPath.ToArray(), token.ToArray(), depth);
        connection.Watches.Add(watch);
        _watches.Add(watch);

        // The reply echoes the request's tx_id; the initial event follows it in the same output so it can never overtake it.
        ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        ReplyWriter.WatchEvent(output, watch.RegisteredPath, watch.Token);
        return StoreError.None;
    }

    private StoreError RemoveWatch(StoreConnection connection, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> rest = payload;
        if (!XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawPath) || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> token))
        {
            return StoreError.EINVAL;
        }

        StoreError error = ResolvePath(connection, rawPath, out ReadOnlySpan<char> path, out _);
        if (error != StoreError.None)
        {
            return error;
        }

        for (int i = 0; i < connection.Watches.Count; i++)
        {
            Watch watch = connection.Watches[i];
            if (path.SequenceEqual(watch.Path) && token.SequenceEqual(watch.Token))
            {
                connection.Watches.RemoveAt(i);
                _watches.Remove(watch);
                ReplyWriter.Reply(output, header, ReplyWriter.Ok);
                return StoreError.None;
            }
        }

        return StoreError.ENOENT;
    }

    /// <summary>
    /// Fires one change: for a removal first every watch on a removed node below the path (its own
    /// path, deepest first), then the watches at or above the path, deepest first, within their
    /// depth and permissions.
    /// </summary>
    private void Fire(PendingEvent pending)
    {
        if (_watches.Count == 0)
        {
            return;
        }

        if (pending.RemovedBelow is { } removed)
        {
            foreach (Node node in removed)
            {
                if (_watches.On(node.Path) is { } inside)
                {
                    foreach (Watch watch in inside)
                    {
                        if (MayHear(watch.Connection, node.Path, node.Permissions, null))
                        {
                            Deliver(watch, node.Path);
                        }
                    }
                }
            }
        }

        ReadOnlySpan<char> changed = pending.Path;
        ReadOnlySpan<char> at = changed;
        while (true)
        {
            if (_watches.On(at) is { } watches)
            {
                foreach (Watch watch in watches)
                {
                    if (watch.Reaches(changed) && MayHear(watch.Connection, changed, pending.Permissions, pending.OldPermissions))
                    {
                        Deliver(watch, changed);
                    }
                }
            }

            if (at.Length == 1)
            {
                break;
            }

            at = StorePath.Parent(at);
        }
    }

    /// <summary>Fires <c>@introduceDomain</c> or <c>@releaseDomain</c> (and <c>@releaseDomain/&lt;domid&gt;</c>).</summary>
    private void FireSpecial(string name, int domainId)
    {
        NodePermissions permissions = _specialPermissions[name];
        FireSpecialOn(name, permissions);
        if (name == StorePath.ReleaseDomain)
        {
            FireSpecialOn(name + "/" + domainId.ToString(System.Globalization.CultureInfo.InvariantCulture), permissions);
        }
    }

    private void FireSpecialOn(string name, NodePermissions permissions)
    {
        if (_watches.On(name) is not { } watches)
        {
            return;
        }

        foreach (Watch watch in watches)
        {
            if (watch.Connection.IsPrivileged || Allows(watch.Connection, permissions, PermissionAccess.Read))
            {
                Deliver(watch, name);
            }
        }
    }

    /// <summary>
    /// Whether an unprivileged watcher hears a change: it can read the changed node (for a
    /// SET_PERMS also under the old permissions) or the node's parent.
    /// </summary>
    private bool MayHear(StoreConnection watcher, ReadOnlySpan<char> path, NodePermissions permissions, NodePermissions? oldPermissions)
    {
        if (watcher.IsPrivileged || Allows(watcher, permissions, PermissionAccess.Read)
            || (oldPermissions is not null && Allows(watcher, oldPermissions, PermissionAccess.Read)))
        {
            return true;
        }

        if (path.Length == 1)
        {
            return false;
        }

        Node? parent = NearestExisting(null, StorePath.Parent(path));
        return parent is not null && Allows(watcher, parent.Permissions, PermissionAccess.Read);
    }

    private void Deliver(Watch watch, ReadOnlySpan<char> path)
    {
        if (watch.Kind == PathKind.Relative)
        {
            // Changes reach a relative watch only at or below it, so under the watcher's home.
            path = path[(watch.Connection.Home.Length + 1)..];
        }

        for (int i = 0; i < path.Length; i++)
        {
            _eventPath[i] = (byte)path[i];
        }

        watch.Connection.Events.Deliver(_eventPath.AsSpan(0, path.Length), watch.Token);
    }
}
