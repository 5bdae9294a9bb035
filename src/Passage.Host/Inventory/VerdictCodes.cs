namespace Passage.Host.Inventory;

/// <summary>The stable kebab-case codes an assignability verdict gives (docs/inventory.md explains each).</summary>
public static class VerdictCodes
{
    /// <summary>Bridges and ports are never assigned.</summary>
    public const string Bridge = "bridge";

    /// <summary>The function has no IOMMU group.</summary>
    public const string NoIommuGroup = "no-iommu-group";

    /// <summary>Another member of the group is bound to a host driver.</summary>
    public const string GroupNotViable = "group-not-viable";

    /// <summary>No reset method, and no bus reset can reach the function.</summary>
    public const string NoResetMethod = "no-reset-method";

    /// <summary>Only a bus reset reaches the function and it also resets functions outside its group.</summary>
    public const string ResetScopeShared = "reset-scope-shared";

    /// <summary>Only a bus reset reaches the function (its whole scope is inside its group).</summary>
    public const string BusResetOnly = "bus-reset-only";

    /// <summary>The MSI-X table lies outside its BAR (or names no BAR).</summary>
    public const string MsixTableOutsideBar = "msix-table-outside-bar";

    /// <summary>The MSI-X PBA lies outside its BAR (or names no BAR).</summary>
    public const string MsixPbaOutsideBar = "msix-pba-outside-bar";

    /// <summary>Other registers share a 4 KiB page with the MSI-X table.</summary>
    public const string MsixTablePageShared = "msix-table-page-shared";

    /// <summary>Other registers share a 4 KiB page with the MSI-X PBA.</summary>
    public const string MsixPbaPageShared = "msix-pba-page-shared";
}
