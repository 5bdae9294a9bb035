using Passage.Store.Persistence;

namespace Passage.Store.Tree;

/// <summary>
/// One version of a node: path, raw value, permissions, child names in insertion order and the
/// generation of the write that made it. Committed versions never change except for
/// <see cref="Older"/>, the link to the version a still-open transaction may need to read (MVCC);
/// a tombstone marks a deletion in that chain.
/// </summary>
internal sealed class Node
{
    /// <summary>Fixed part of the node size (xenstored's node header).</summary>
    public const int HeaderSize = 24;

    /// <summary>Node-size bytes per permission entry.</summary>
    public const int PermissionEntrySize = 8;

    public Node(string path, byte[] value, NodePermissions permissions, string[] children, int childBytes, ulong generation)
    {
        Path = path;
        Value = value;
        Permissions = permissions;
        Children = children;
        ChildBytes = childBytes;
        Generation = generation;
    }

    /// <summary>Absolute path.</summary>
    public string Path { get; }

    /// <summary>Raw value; never modified once the node is built.</summary>
    public byte[] Value { get; }

    /// <summary>Permission list, owner first.</summary>
    public NodePermissions Permissions { get; }

    /// <summary>Child names in insertion order; never modified once the node is built.</summary>
    public string[] Children { get; }

    /// <summary>Bytes of the packed child list: every name plus its NUL.</summary>
    public int ChildBytes { get; }

    /// <summary>Generation of the write that made this version; stamped when it is committed.</summary>
    public ulong Generation { get; set; }

    /// <summary>The previous committed version, kept while an open transaction may read it.</summary>
    public Node? Older { get; set; }

    /// <summary>True for the marker of a deletion.</summary>
    public bool IsTombstone { get; private init; }

    /// <summary>The owning domain.</summary>
    public int Owner => Permissions.Owner;

    /// <summary>Size counted by the node-size quota: header, permission entries, value and packed child names.</summary>
    public int Size => HeaderSize + (PermissionEntrySize * Permissions.Count) + Value.Length + ChildBytes;

    /// <summary>Creates the deletion marker of <paramref name="path"/> at <paramref name="generation"/>.</summary>
    public static Node Tombstone(string path, ulong generation) =>
        new(path, [], NodePermissions.Dom0Only, [], 0, generation) { IsTombstone = true };

    /// <summary>A new leaf with no children.</summary>
    public static Node Leaf(string path, byte[] value, NodePermissions permissions) => new(path, value, permissions, [], 0, 0);

    /// <summary>A copy with another value.</summary>
    public Node WithValue(byte[] value) => new(Path, value, Permissions, Children, ChildBytes, Generation);

    /// <summary>A copy with another permission list.</summary>
    public Node WithPermissions(NodePermissions permissions) => new(Path, Value, permissions, Children, ChildBytes, Generation);

    /// <summary>A copy with <paramref name="name"/> appended to the child list.</summary>
    public Node WithChildAdded(string name)
    {
        string[] children = new string[Children.Length + 1];
        Children.CopyTo(children, 0);
        children[^1] = name;
        return new Node(Path, Value, Permissions, children, ChildBytes + name.Length + 1, Generation);
    }

    /// <summary>A copy without <paramref name="name"/> in the child list (an unchanged copy when it is not there).</summary>
    public Node WithChildRemoved(string name)
    {
        int index = Array.IndexOf(Children, name);
        if (index < 0)
        {
            return new Node(Path, Value, Permissions, Children, ChildBytes, Generation);
        }

        string[] children = new string[Children.Length - 1];
        Array.Copy(Children, 0, children, 0, index);
        Array.Copy(Children, index + 1, children, index, children.Length - index);
        return new Node(Path, Value, Permissions, children, ChildBytes - name.Length - 1, Generation);
    }

    /// <summary>The persisted form of this version.</summary>
    public PersistedNode ToPersisted() => new(Path, Value, Permissions.Text, Children, Generation);

    /// <summary>Builds a node from its persisted form.</summary>
    public static Node FromPersisted(PersistedNode persisted)
    {
        ArgumentNullException.ThrowIfNull(persisted);
        string[] children = [.. persisted.Children];
        int childBytes = 0;
        foreach (string child in children)
        {
            childBytes += child.Length + 1;
        }

        return new Node(persisted.Path, persisted.Value, NodePermissions.ParseText(persisted.Permissions), children, childBytes, persisted.Generation);
    }
}
