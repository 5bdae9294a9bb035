using Passage.Pci;

namespace Passage.Host.Inventory;

/// <summary>A host's PCI functions, ordered by address, as read from one source.</summary>
public sealed class HostInventory
{
    private readonly Dictionary<PciAddress, HostFunction> _byAddress;

    /// <summary>Creates an inventory of <paramref name="functions"/>.</summary>
    /// <param name="source">Where it came from (<c>sysfs</c> or <c>sim:FILE</c>).</param>
    /// <param name="description">One line for people.</param>
    /// <param name="functions">The functions, in any order.</param>
    /// <param name="iommuPresent">Whether the host has an IOMMU (any IOMMU group exists).</param>
    public HostInventory(string source, string description, IEnumerable<HostFunction> functions, bool iommuPresent)
    {
        Source = source;
        Description = description;
        Functions = functions.OrderBy(f => f.Address).ToList();
        _byAddress = Functions.ToDictionary(f => f.Address);
        IommuPresent = iommuPresent;
    }

    /// <summary>Where the inventory came from.</summary>
    public string Source { get; }

    /// <summary>One line for people.</summary>
    public string Description { get; }

    /// <summary>All functions, ordered by address.</summary>
    public IReadOnlyList<HostFunction> Functions { get; }

    /// <summary>Whether the host has an IOMMU.</summary>
    public bool IommuPresent { get; }

    /// <summary>The function at <paramref name="address"/>, or null.</summary>
    public HostFunction? Find(PciAddress address) => _byAddress.GetValueOrDefault(address);

    /// <summary>Members of IOMMU group <paramref name="group"/>, ordered by address.</summary>
    public IEnumerable<HostFunction> GroupMembers(int group) => Functions.Where(f => f.IommuGroup == group);

    /// <summary>Every function below <paramref name="bridge"/> (its whole subtree, bridges included).</summary>
    public IEnumerable<HostFunction> Below(PciAddress bridge) => Functions.Where(f => IsBelow(f, bridge));

    /// <summary>Whether <paramref name="function"/> lies somewhere below <paramref name="bridge"/>.</summary>
    public bool IsBelow(HostFunction function, PciAddress bridge)
    {
        PciAddress? p = function.Parent;
        for (int depth = 0; p is { } a && depth < 256; depth++)
        {
            if (a == bridge)
            {
                return true;
            }

            p = Find(a)?.Parent;
        }

        return false;
    }
}
