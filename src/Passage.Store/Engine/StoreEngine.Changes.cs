using System.Buffers;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Quotas;
using Passage.Store.Transactions;
using Passage.Store.Tree;
using Passage.Store.Watches;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    /// <summary>
    /// WRITE, MKDIR, RM and SET_PERMS: staged in the transaction's working set, or outside a
    /// transaction in the scratch set and applied at once as one change set.
    /// </summary>
    private StoreError Change(StoreConnection connection, Transaction? transaction, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, ref long ticket)
    {
        ReadOnlySpan<byte> arguments = payload;
        if (!XsPayload.TryReadField(ref arguments, out ReadOnlySpan<byte> rawPath))
        {
            return StoreError.EINVAL;
        }

        StoreError error = ResolvePath(connection, rawPath, out ReadOnlySpan<char> path, out PathKind kind);
        if (error != StoreError.None)
        {
            return error;
        }

        if (kind == PathKind.Special)
        {
            return header.Type == XsMessageType.SetPerms ? SetSpecialPermissions(connection, header, path, arguments, output, ref ticket) : StoreError.EINVAL;
        }

        WorkingSet changes = transaction?.Changes ?? _scratch;
        error = header.Type switch
        {
            XsMessageType.Write => WriteNode(connection, changes, path, arguments.ToArray(), create: false),
            XsMessageType.Mkdir => WriteNode(connection, changes, path, [], create: true),
            XsMessageType.Rm => RemoveNode(connection, changes, path),
            _ => SetPermissions(connection, changes, path, arguments),
        };

        if (transaction is null)
        {
            if (error == StoreError.None)
            {
                ticket = Apply(_scratch);
            }
            else
            {
                _scratch.Clear();
            }
        }

        if (error == StoreError.None)
        {
            ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        }

        return error;
    }

    /// <summary>
    /// WRITE (<paramref name="create"/> false: set the value) or MKDIR (true: keep an existing
    /// node as it is). A missing node is created with every missing parent, each copying its
    /// parent's permissions (an unprivileged creator becomes the owner); the caller needs write
    /// access to the node, or to the nearest existing ancestor when creating.
    /// </summary>
    private StoreError WriteNode(StoreConnection connection, WorkingSet changes, ReadOnlySpan<char> path, byte[] value, bool create)
    {
        if (!changes.TryGet(path, out Node? node))
        {
            return StoreError.ENOSPC;
        }

        bool privileged = connection.IsPrivileged;
        if (node is not null)
        {
            if (!Allows(connection, node.Permissions, PermissionAccess.Write))
            {
                return StoreError.EACCES;
            }

            if (create)
            {
                return StoreError.None;
            }

            Node updated = node.WithValue(value);
            if (!privileged && QuotaCheck.NodeTooBig(updated, _options))
            {
                return StoreError.ENOSPC;
            }

            changes.Put(updated);
            changes.AddEvent(new PendingEvent(updated.Path, updated.Permissions));
            return StoreError.None;
        }

        // Missing: find the nearest existing ancestor, reading (and so recording) every missing one.
        string full = new(path);
        List<string> missing = [full];
        string current = full;
        Node? ancestor;
        while (true)
        {
            current = StorePath.Parent(current);
            if (!changes.TryGet(current, out ancestor))
            {
                return StoreError.ENOSPC;
            }

            if (ancestor is not null)
            {
                break;
            }

            missing.Add(current);
        }

        if (!Allows(connection, ancestor!.Permissions, PermissionAccess.Write))
        {
            return StoreError.EACCES;
        }

        NodePermissions permissions = privileged ? ancestor.Permissions : ancestor.Permissions.WithOwner(connection.DomainId);
        if (!privileged && QuotaCheck.TooManyNodes(changes.OwnedBy(connection.DomainId) + missing.Count, _options))
        {
            return StoreError.ENOSPC;
        }

        Node top = ancestor!.WithChildAdded(StorePath.Name(missing[^1]));
        var created = new Node[missing.Count];
        for (int i = missing.Count - 1; i >= 0; i--)
        {
            Node leaf = Node.Leaf(missing[i], i == 0 ? value : [], permissions);
            created[i] = i == 0 ? leaf : leaf.WithChildAdded(StorePath.Name(missing[i - 1]));
        }

        if (!privileged && (QuotaCheck.NodeTooBig(top, _options) || QuotaCheck.NodeTooBig(created[0], _options)))
        {
            return StoreError.ENOSPC;
        }

        changes.Put(top);
        foreach (Node fresh in created)
        {
            changes.Put(fresh);
        }

        changes.AddEvent(new PendingEvent(full, permissions));
        return StoreError.None;
    }

    /// <summary>
    /// RM: removes a node and its subtree (every node read, so a transaction records them all).
    /// A missing node is fine when its parent exists, else ENOENT; <c>/</c> is EINVAL.
    /// </summary>
    private StoreError RemoveNode(StoreConnection connection, WorkingSet changes, ReadOnlySpan<char> path)
    {
        if (path.Length == 1)
        {
            return StoreError.EINVAL;
        }

        if (!changes.TryGet(path, out Node? node))
        {
            return StoreError.ENOSPC;
        }

        if (node is null)
        {
            // Nothing to delete (a no-op); whether the parent exists decides OK or ENOENT.
            if (!changes.TryGet(StorePath.Parent(path), out Node? parent))
            {
                return StoreError.ENOSPC;
            }

            if (parent is null)
            {
                StoreError missing = MissingError(connection, changes, StorePath.Parent(path));
                return missing;
            }

            return Allows(connection, parent.Permissions, PermissionAccess.Read) ? StoreError.None : StoreError.EACCES;
        }

        if (!Allows(connection, node.Permissions, PermissionAccess.Write))
        {
            return StoreError.EACCES;
        }

        return RemoveSubtree(changes, node);
    }

    /// <summary>Deletes <paramref name="node"/> and everything below it from the working set and queues the removal event.</summary>
    private static StoreError RemoveSubtree(WorkingSet changes, Node node)
    {
        List<Node> removed = [];
        if (!CollectSubtree(changes, node, removed) || !changes.TryGet(StorePath.Parent(node.Path), out Node? parent))
        {
            return StoreError.ENOSPC;
        }

        changes.Put(parent!.WithChildRemoved(StorePath.Name(node.Path)));
        foreach (Node gone in removed)
        {
            changes.Delete(gone.Path);
        }

        // The removed node itself comes last (post-order): the rest are the subtree, deepest first.
        changes.AddEvent(new PendingEvent(node.Path, node.Permissions, null, removed.GetRange(0, removed.Count - 1).ToArray()));
        return StoreError.None;
    }

    /// <summary>Adds the subtree of <paramref name="node"/> in post-order (children before parents); false when the transaction's node quota ran out.</summary>
    private static bool CollectSubtree(WorkingSet changes, Node node, List<Node> removed)
    {
        foreach (string name in node.Children)
        {
            if (!changes.TryGet(StorePath.Child(node.Path, name), out Node? child))
            {
                return false;
            }

            if (child is not null && !CollectSubtree(changes, child, removed))
            {
                return false;
            }
        }

        removed.Add(node);
        return true;
    }

    /// <summary>SET_PERMS: only the owner (or its stub domain) or a privileged caller; only a privileged one may change the owner.</summary>
    private StoreError SetPermissions(StoreConnection connection, WorkingSet changes, ReadOnlySpan<char> path, ReadOnlySpan<byte> arguments)
    {
        if (!NodePermissions.TryParseWire(arguments, out NodePermissions? permissions))
        {
            return StoreError.EINVAL;
        }

        bool privileged = connection.IsPrivileged;
        if (!privileged && QuotaCheck.TooManyPermissionEntries(permissions!.Count, _options))
        {
            return StoreError.ENOSPC;
        }

        if (!changes.TryGet(path, out Node? node))
        {
            return StoreError.ENOSPC;
        }

        if (node is null)
        {
            return MissingError(connection, changes, path);
        }

        if (!privileged)
        {
            if (!node.Permissions.IsOwner(connection.DomainId, _domains.TargetOf(connection.DomainId)))
            {
                return StoreError.EACCES;
            }

            if (permissions!.Owner != node.Owner)
            {
                return StoreError.EPERM;
            }
        }

        Node updated = node.WithPermissions(permissions!);
        if (!privileged && QuotaCheck.NodeTooBig(updated, _options))
        {
            return StoreError.ENOSPC;
        }

        changes.Put(updated);
        changes.AddEvent(new PendingEvent(updated.Path, updated.Permissions, node.Permissions));
        return StoreError.None;
    }

    /// <summary>
    /// SET_PERMS on <c>@introduceDomain</c> / <c>@releaseDomain</c>: lets unprivileged domains hear
    /// those events. Applied at once (not part of a transaction) and persisted as a node named
    /// after the watch.
    /// </summary>
    private StoreError SetSpecialPermissions(StoreConnection connection, in XsHeader header, ReadOnlySpan<char> name, ReadOnlySpan<byte> arguments, IBufferWriter<byte> output, ref long ticket)
    {
        if (!name.SequenceEqual(StorePath.IntroduceDomain) && !name.SequenceEqual(StorePath.ReleaseDomain))
        {
            return StoreError.EINVAL;
        }

        if (!NodePermissions.TryParseWire(arguments, out NodePermissions? permissions))
        {
            return StoreError.EINVAL;
        }

        string key = new(name);
        NodePermissions current = _specialPermissions[key];
        if (!connection.IsPrivileged)
        {
            if (QuotaCheck.TooManyPermissionEntries(permissions!.Count, _options))
            {
                return StoreError.ENOSPC;
            }

            if (!current.IsOwner(connection.DomainId, _domains.TargetOf(connection.DomainId)))
            {
                return StoreError.EACCES;
            }

            if (permissions.Owner != current.Owner)
            {
                return StoreError.EPERM;
            }
        }

        _specialPermissions[key] = permissions!;
        ulong generation = ++_generation;
        ticket = _persistence.Append(new StoreChangeSet([new PersistedNode(key, [], permissions!.Text, [], generation)], [], generation));
        ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        return StoreError.None;
    }
}
