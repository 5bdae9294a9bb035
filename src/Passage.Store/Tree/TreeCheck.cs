using Passage.Store.Quotas;

namespace Passage.Store.Tree;

/// <summary>
/// Verifies the committed tree's invariants (CONTROL <c>check</c>): the root exists, every node's
/// parent exists and lists it once, every listed child exists, packed child sizes add up, and the
/// per-domain node counts match a recount.
/// </summary>
internal static class TreeCheck
{
    /// <summary>Returns every problem found, empty for a sound tree.</summary>
    public static List<string> Run(NodeTree tree)
    {
        List<string> problems = [];
        if (tree.Head("/") is null)
        {
            problems.Add("the root node is missing");
        }

        var recount = new Dictionary<int, int>();
        int live = 0;
        foreach (Node node in tree.Nodes)
        {
            live++;
            recount[node.Owner] = recount.GetValueOrDefault(node.Owner) + 1;
            CheckChildren(tree, node, problems);
            if (node.Path.Length > 1)
            {
                Node? parent = tree.Head(StorePath.Parent(node.Path));
                string name = StorePath.Name(node.Path);
                if (parent is null)
                {
                    problems.Add($"{node.Path}: parent missing");
                }
                else if (Array.FindAll(parent.Children, c => c == name).Length != 1)
                {
                    problems.Add($"{node.Path}: not listed exactly once by its parent");
                }
            }
        }

        if (live != tree.Count)
        {
            problems.Add($"node count {tree.Count} but {live} nodes");
        }

        CheckOwners(tree.Owners, recount, problems);
        return problems;
    }

    private static void CheckChildren(NodeTree tree, Node node, List<string> problems)
    {
        int bytes = 0;
        foreach (string child in node.Children)
        {
            bytes += child.Length + 1;
            if (tree.Head(StorePath.Child(node.Path, child)) is null)
            {
                problems.Add($"{node.Path}: child '{child}' missing");
            }
        }

        if (bytes != node.ChildBytes)
        {
            problems.Add($"{node.Path}: child list size {node.ChildBytes} but {bytes} bytes");
        }
    }

    private static void CheckOwners(OwnerNodeCounts counts, Dictionary<int, int> recount, List<string> problems)
    {
        foreach (KeyValuePair<int, int> entry in counts.All)
        {
            if (recount.GetValueOrDefault(entry.Key) != entry.Value)
            {
                problems.Add($"domain {entry.Key}: counted {entry.Value} nodes, owns {recount.GetValueOrDefault(entry.Key)}");
            }
        }

        foreach (KeyValuePair<int, int> entry in recount)
        {
            if (counts[entry.Key] != entry.Value)
            {
                problems.Add($"domain {entry.Key}: counted {counts[entry.Key]} nodes, owns {entry.Value}");
            }
        }
    }
}
