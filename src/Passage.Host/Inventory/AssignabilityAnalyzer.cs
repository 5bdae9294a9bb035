using Passage.Pci;

namespace Passage.Host.Inventory;

/// <summary>
/// Decides whether each function of a host can be passed through to a guest, naming every
/// reason that applies (lifecycle.md §4): bridge, IOMMU group and its viability, reset method
/// and reset scope, MSI-X placement inside its BARs and 4 KiB page isolation.
/// </summary>
public static class AssignabilityAnalyzer
{
    /// <summary>Drivers that leave a group viable: they let user space own the device's DMA.</summary>
    public static readonly IReadOnlySet<string> UserSpaceDrivers = new HashSet<string>(StringComparer.Ordinal) { "vfio-pci", "pci-stub" };

    private const ulong PageSize = 4096;

    /// <summary>The verdict for <paramref name="function"/>.</summary>
    public static AssignabilityVerdict Analyze(HostInventory inventory, HostFunction function)
    {
        var reasons = new List<VerdictReason>();
        bool bridge = function.IsBridge || function.Config.ClassCode >> 16 == 0x06;
        if (bridge)
        {
            reasons.Add(new VerdictReason(VerdictCodes.Bridge, true, "bridges and ports stay with the host"));
        }

        CheckGroup(inventory, function, reasons);
        if (!bridge)
        {
            // A bridge is never reset for a guest, so its reset methods decide nothing.
            CheckReset(inventory, function, reasons);
        }

        CheckMsix(function, reasons);
        return new AssignabilityVerdict(reasons.OrderByDescending(r => r.Blocking).ToList());
    }

    private static void CheckGroup(HostInventory inventory, HostFunction function, List<VerdictReason> reasons)
    {
        if (function.IommuGroup is not { } group)
        {
            reasons.Add(new VerdictReason(VerdictCodes.NoIommuGroup, true, inventory.IommuPresent
                ? "the function has no IOMMU group"
                : "the host has no IOMMU groups (IOMMU absent or disabled), so no device DMA can be isolated"));
            return;
        }

        List<HostFunction> hostOwned = inventory.GroupMembers(group)
            .Where(m => m.Address != function.Address && m.Driver is { } d && !UserSpaceDrivers.Contains(d) && !(m.IsBridge && d == "pcieport"))
            .ToList();
        if (hostOwned.Count > 0)
        {
            reasons.Add(new VerdictReason(VerdictCodes.GroupNotViable, true,
                $"IOMMU group {group} also holds {string.Join(", ", hostOwned.Select(m => $"{m.Address} ({m.Driver})"))}, bound to host drivers"));
        }
    }

    private static void CheckReset(HostInventory inventory, HostFunction function, List<VerdictReason> reasons)
    {
        ResetScope scope = ResetScope.For(inventory, function);
        switch (scope.Kind)
        {
            case ResetScopeKind.None:
                reasons.Add(new VerdictReason(VerdictCodes.NoResetMethod, true,
                    "no reset method (no FLR, no PM reset, and no bus reset on a root bus): state of one guest would reach the next"));
                break;
            case ResetScopeKind.Bus:
                List<PciAddress> outside = scope.Members
                    .Where(a => a != function.Address && inventory.Find(a)?.IommuGroup is var g && (g is null || g != function.IommuGroup))
                    .ToList();
                List<PciAddress> peers = scope.Members.Where(a => a != function.Address).ToList();
                if (outside.Count > 0)
                {
                    reasons.Add(new VerdictReason(VerdictCodes.ResetScopeShared, true,
                        $"only a bus reset via {function.Parent} reaches it, and that also resets {string.Join(", ", outside)} outside IOMMU group {function.IommuGroup?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}: assign them together"));
                }
                else
                {
                    reasons.Add(new VerdictReason(VerdictCodes.BusResetOnly, false, peers.Count > 0
                        ? $"only a bus reset via {function.Parent} reaches it; it also resets {string.Join(", ", peers)}"
                        : $"only a bus reset via {function.Parent} reaches it"));
                }

                break;
        }
    }

    private static void CheckMsix(HostFunction function, List<VerdictReason> reasons)
    {
        if (function.Decoded.Msix is not { } msix)
        {
            return;
        }

        bool tableInside = Inside(function, msix.TableBir, msix.TableBarOffset, (ulong)msix.TableBytes, out string tableWhy);
        bool pbaInside = Inside(function, msix.PbaBir, msix.PbaBarOffset, (ulong)msix.PbaBytes, out string pbaWhy);
        if (!tableInside)
        {
            reasons.Add(new VerdictReason(VerdictCodes.MsixTableOutsideBar, true, tableWhy));
        }

        if (!pbaInside)
        {
            reasons.Add(new VerdictReason(VerdictCodes.MsixPbaOutsideBar, true, pbaWhy));
        }

        if (tableInside && SharedPage(function, msix.TableBir, msix.TableBarOffset, (ulong)msix.TableBytes) is { } tableShare)
        {
            reasons.Add(new VerdictReason(VerdictCodes.MsixTablePageShared, false,
                $"{tableShare} share the 4 KiB page of the MSI-X table (BAR{msix.TableBir}+0x{msix.TableBarOffset:x}); Passage forwards those accesses"));
        }

        if (pbaInside && SharedPage(function, msix.PbaBir, msix.PbaBarOffset, (ulong)msix.PbaBytes) is { } pbaShare)
        {
            reasons.Add(new VerdictReason(VerdictCodes.MsixPbaPageShared, false,
                $"{pbaShare} share the 4 KiB page of the MSI-X PBA (BAR{msix.PbaBir}+0x{msix.PbaBarOffset:x}); Passage forwards those accesses"));
        }
    }

    private static bool Inside(HostFunction function, int bir, ulong offset, ulong length, out string why)
    {
        why = string.Empty;
        if (bir > 5 || function.Decoded.Bars.All(b => b.Index != bir))
        {
            why = $"MSI-X structure names BAR{bir}, which the function does not implement";
            return false;
        }

        ulong size = function.BarSize(bir);
        if (size == 0)
        {
            return true; // size unknown (config space alone): nothing to hold against it
        }

        if (offset + length > size)
        {
            why = $"MSI-X structure at BAR{bir}+0x{offset:x} ({length} bytes) ends beyond the {size}-byte BAR";
            return false;
        }

        return true;
    }

    private static string? SharedPage(HostFunction function, int bir, ulong offset, ulong length)
    {
        ulong start = offset & ~(PageSize - 1);
        ulong end = (offset + length + PageSize - 1) & ~(PageSize - 1);
        List<RegisterRange> sharing = function.KnownRegisters.Where(r => r.Overlaps(bir, start, end)).ToList();
        return sharing.Count == 0
            ? null
            : string.Join(", ", sharing.Select(r => $"{r.Name} (BAR{r.Bar}+0x{r.Offset:x})"));
    }
}
