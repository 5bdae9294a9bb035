using Passage.Store.Engine;
using Passage.Store.Tree;

namespace Passage.Store.Tests.Support;

/// <summary>A comparable listing of an engine's committed tree.</summary>
internal static class TreeDump
{
    /// <summary>One line per node, sorted by path: path, value, permissions, children, and optionally the generation.</summary>
    public static List<string> Of(StoreEngine engine, bool withGenerations) =>
        engine.Inspect(e => e.Tree.Nodes
            .OrderBy(n => n.Path, StringComparer.Ordinal)
            .Select(n => Line(n, withGenerations))
            .ToList());

    private static string Line(Node node, bool withGenerations) =>
        $"{node.Path} = {Convert.ToHexString(node.Value)} [{node.Permissions.Text}] ({string.Join(",", node.Children)})" +
        (withGenerations ? $" @{node.Generation}" : "");
}
