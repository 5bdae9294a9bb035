using Passage.Pci;

namespace Passage.Host.Inventory;

/// <summary>How a function can be reset and what else the reset touches (lifecycle.md §4).</summary>
public enum ResetScopeKind
{
    /// <summary>A method that resets this function alone (<c>flr</c>, <c>pm</c>, …).</summary>
    Function,

    /// <summary>Only a secondary bus reset through the parent bridge, which resets everything below it.</summary>
    Bus,

    /// <summary>Nothing can reset the function.</summary>
    None,
}

/// <summary>A function's reset scope: the kind and every function the reset affects (itself included).</summary>
/// <param name="Kind">The kind of reset available.</param>
/// <param name="Members">Every function the reset touches, ordered by address.</param>
public sealed record ResetScope(ResetScopeKind Kind, IReadOnlyList<PciAddress> Members)
{
    /// <summary>Works out the reset scope of <paramref name="function"/> within <paramref name="inventory"/>.</summary>
    public static ResetScope For(HostInventory inventory, HostFunction function)
    {
        if (function.ResetMethods.Count > 0)
        {
            return new ResetScope(ResetScopeKind.Function, [function.Address]);
        }

        if (function.Parent is { } bridge && !function.IsBridge)
        {
            return new ResetScope(ResetScopeKind.Bus, inventory.Below(bridge).Select(f => f.Address).ToList());
        }

        return new ResetScope(ResetScopeKind.None, []);
    }
}
