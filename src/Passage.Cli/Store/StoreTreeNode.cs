using Passage.Store.Client;

namespace Passage.Cli.Store;

/// <summary>One node of a subtree read for <c>passage store ls</c>: full path, depth below the start, value and (when asked) permissions.</summary>
internal sealed record StoreTreeNode(string Path, string Name, int Depth, byte[] Value, IReadOnlyList<string>? Permissions)
{
    /// <summary>Reads every node below <paramref name="root"/> (not the root itself, as xenstore-ls lists), parents before children, in the store's child order.</summary>
    public static async Task<List<StoreTreeNode>> ReadSubtreeAsync(StoreTransaction tx, string root, bool withPermissions)
    {
        var nodes = new List<StoreTreeNode>();
        await AddChildrenAsync(tx, root, 0, withPermissions, nodes);
        return nodes;
    }

    /// <summary>Writes the nodes as xenstore-ls does: <c>name = "value"</c> indented one space a level, or full paths; permissions as <c>(n0,r5)</c>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<StoreTreeNode> nodes, bool fullPaths)
    {
        foreach (StoreTreeNode node in nodes)
        {
            string name = fullPaths ? node.Path : new string(' ', node.Depth) + node.Name;
            string perms = node.Permissions is null ? string.Empty : $"  ({string.Join(',', node.Permissions)})";
            output.WriteLine($"{name} = \"{StoreValueText.Escape(node.Value)}\"{perms}");
        }
    }

    private static async Task AddChildrenAsync(StoreTransaction tx, string parent, int depth, bool withPermissions, List<StoreTreeNode> nodes)
    {
        foreach (string child in await tx.DirectoryAsync(parent))
        {
            string path = parent.EndsWith('/') ? parent + child : $"{parent}/{child}";
            byte[] value = await tx.ReadAsync(path);
            IReadOnlyList<string>? perms = withPermissions ? await tx.GetPermissionsAsync(path) : null;
            nodes.Add(new StoreTreeNode(path, child, depth, value, perms));
            await AddChildrenAsync(tx, path, depth + 1, withPermissions, nodes);
        }
    }
}
