using System.Buffers;
using Passage.Store.Protocol;
using Passage.Store.Transactions;
using Passage.Store.Tree;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    private StoreError Read(StoreConnection connection, Transaction? transaction, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        int nul = payload.IndexOf((byte)0);
        if (nul < 0)
        {
            // C xenstored answers a READ path without its NUL with ENOENT (store.md §9).
            return StoreError.ENOENT;
        }

        StoreError error = ResolveNode(connection, transaction, payload[..nul], PermissionAccess.Read, out Node? node);
        if (error != StoreError.None)
        {
            return error;
        }

        ReplyWriter.Reply(output, header, node!.Value);
        return StoreError.None;
    }

    private StoreError Directory(StoreConnection connection, Transaction? transaction, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        if (!XsPayload.TryReadField(ref payload, out ReadOnlySpan<byte> rawPath))
        {
            return StoreError.EINVAL;
        }

        StoreError error = ResolveNode(connection, transaction, rawPath, PermissionAccess.Read, out Node? node);
        if (error != StoreError.None)
        {
            return error;
        }

        if (node!.ChildBytes > XsHeader.MaxPayload)
        {
            return StoreError.E2BIG;
        }

        Span<byte> reply = ReplyWriter.Begin(output, header.Type, header.RequestId, header.TransactionId, node.ChildBytes);
        WritePackedChildren(node, reply);
        ReplyWriter.Finish(output, node.ChildBytes);
        return StoreError.None;
    }

    private StoreError DirectoryPart(StoreConnection connection, Transaction? transaction, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> rest = payload;
        if (XsPayload.CountFields(payload) != 2 || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawPath)
            || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawOffset) || !rest.IsEmpty
            || !RequestArgs.TryParseNumber(rawOffset, out ulong offset))
        {
            return StoreError.EINVAL;
        }

        StoreError error = ResolveNode(connection, transaction, rawPath, PermissionAccess.Read, out Node? node);
        if (error != StoreError.None)
        {
            return error;
        }

        Span<byte> generation = stackalloc byte[24];
        node!.Generation.TryFormat(generation, out int digits);
        generation[digits] = 0;
        int generationLength = digits + 1;

        if (offset >= (ulong)node.ChildBytes)
        {
            // Past the end: the generation and an empty name.
            Span<byte> empty = ReplyWriter.Begin(output, header.Type, header.RequestId, header.TransactionId, generationLength + 1);
            generation[..generationLength].CopyTo(empty);
            empty[^1] = 0;
            ReplyWriter.Finish(output, generationLength + 1);
            return StoreError.None;
        }

        byte[] packed = ArrayPool<byte>.Shared.Rent(node.ChildBytes);
        try
        {
            WritePackedChildren(node, packed);
            int start = (int)offset;
            int limit = XsHeader.MaxPayload - generationLength - 1;
            int length = 0;
            while (true)
            {
                // Whole names only, as long as they fit; the chunk that reaches the end gets a final NUL.
                int nameLength = packed.AsSpan(start + length, node.ChildBytes - start - length).IndexOf((byte)0);
                if (length + nameLength >= limit)
                {
                    break;
                }

                length += nameLength + 1;
                if (start + length == node.ChildBytes)
                {
                    break;
                }
            }

            bool last = start + length == node.ChildBytes;
            int total = generationLength + length + (last ? 1 : 0);
            Span<byte> reply = ReplyWriter.Begin(output, header.Type, header.RequestId, header.TransactionId, total);
            generation[..generationLength].CopyTo(reply);
            packed.AsSpan(start, length).CopyTo(reply[generationLength..]);
            if (last)
            {
                reply[^1] = 0;
            }

            ReplyWriter.Finish(output, total);
            return StoreError.None;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    private StoreError GetPermissions(StoreConnection connection, Transaction? transaction, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        if (!XsPayload.TryReadField(ref payload, out ReadOnlySpan<byte> rawPath))
        {
            return StoreError.EINVAL;
        }

        NodePermissions permissions;
        StoreError error = ResolvePath(connection, rawPath, out ReadOnlySpan<char> path, out PathKind kind);
        if (error != StoreError.None)
        {
            return error;
        }

        if (kind == PathKind.Special)
        {
            if (!TrySpecialPermissions(path, out permissions))
            {
                return StoreError.EINVAL;
            }

            if (!Allows(connection, permissions, PermissionAccess.Read))
            {
                return StoreError.EACCES;
            }
        }
        else
        {
            error = LookupNode(connection, transaction, path, PermissionAccess.Read, out Node? node);
            if (error != StoreError.None)
            {
                return error;
            }

            permissions = node!.Permissions;
        }

        int length = permissions.WireLength;
        permissions.WriteWire(ReplyWriter.Begin(output, header.Type, header.RequestId, header.TransactionId, length));
        ReplyWriter.Finish(output, length);
        return StoreError.None;
    }

    /// <summary>Resolves a path argument naming a node (an <c>@</c> name is EINVAL) and looks it up with <paramref name="access"/>.</summary>
    private StoreError ResolveNode(StoreConnection connection, Transaction? transaction, ReadOnlySpan<byte> raw, PermissionAccess access, out Node? node)
    {
        node = null;
        StoreError error = ResolvePath(connection, raw, out ReadOnlySpan<char> path, out PathKind kind);
        if (error != StoreError.None)
        {
            return error;
        }

        return kind == PathKind.Special ? StoreError.EINVAL : LookupNode(connection, transaction, path, access, out node);
    }

    /// <summary>
    /// Looks a node up as the caller sees it (the committed tree, or the transaction's snapshot and
    /// private copies, recording the access) and checks <paramref name="access"/>. A missing node
    /// answers EACCES when its nearest existing ancestor is unreadable, else ENOENT.
    /// </summary>
    private StoreError LookupNode(StoreConnection connection, Transaction? transaction, ReadOnlySpan<char> path, PermissionAccess access, out Node? node)
    {
        if (transaction is null)
        {
            node = _tree.Head(path);
        }
        else if (!transaction.Changes.TryGet(path, out node))
        {
            return StoreError.ENOSPC;
        }

        if (node is null)
        {
            return MissingError(connection, transaction?.Changes, path);
        }

        return Allows(connection, node.Permissions, access) ? StoreError.None : StoreError.EACCES;
    }

    /// <summary>The error for a missing node: EACCES when the caller may not read its nearest existing ancestor (it may not learn what is there), else ENOENT.</summary>
    private StoreError MissingError(StoreConnection connection, WorkingSet? view, ReadOnlySpan<char> path)
    {
        if (connection.IsPrivileged || path.Length == 1)
        {
            return StoreError.ENOENT;
        }

        Node? ancestor = NearestExisting(view, StorePath.Parent(path));
        return ancestor is null || Allows(connection, ancestor.Permissions, PermissionAccess.Read) ? StoreError.ENOENT : StoreError.EACCES;
    }

    /// <summary>The node at <paramref name="path"/> or its nearest existing ancestor, as <paramref name="view"/> (or the committed tree) sees it, without recording.</summary>
    private Node? NearestExisting(WorkingSet? view, ReadOnlySpan<char> path)
    {
        while (true)
        {
            Node? node = view is null ? _tree.Head(path) : view.Peek(path);
            if (node is not null || path.Length == 1)
            {
                return node;
            }

            path = StorePath.Parent(path);
        }
    }

    /// <summary>Whether the caller holds <paramref name="access"/> under <paramref name="permissions"/> (store.md §5).</summary>
    private bool Allows(StoreConnection connection, NodePermissions permissions, PermissionAccess access) =>
        connection.IsPrivileged || (permissions.AccessFor(connection.DomainId, _domains.TargetOf(connection.DomainId)) & access) == access;

    private bool TrySpecialPermissions(ReadOnlySpan<char> name, out NodePermissions permissions)
    {
        // @releaseDomain/<domid> shares @releaseDomain's permissions.
        if (name.StartsWith(StorePath.ReleaseDomain, StringComparison.Ordinal))
        {
            permissions = _specialPermissions[StorePath.ReleaseDomain];
            return true;
        }

        permissions = _specialPermissions[StorePath.IntroduceDomain];
        return true;
    }

    private static void WritePackedChildren(Node node, Span<byte> destination)
    {
        int at = 0;
        foreach (string child in node.Children)
        {
            for (int i = 0; i < child.Length; i++)
            {
                destination[at++] = (byte)child[i];
            }

            destination[at++] = 0;
        }
    }
}
