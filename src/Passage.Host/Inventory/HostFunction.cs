using Passage.Pci;
using Passage.Pci.Decoding;

namespace Passage.Host.Inventory;

/// <summary>One PCI function of a host, with what the host knows about it beyond config space.</summary>
public sealed class HostFunction
{
    /// <summary>Creates a function and decodes its config space with the known BAR and ROM sizes.</summary>
    public HostFunction(
        PciAddress address,
        ConfigSpace config,
        IReadOnlyList<BarResource> resources,
        string? driver,
        int? iommuGroup,
        IReadOnlyList<string> resetMethods,
        int? numaNode,
        PciAddress? parent,
        IReadOnlyList<RegisterRange> knownRegisters,
        string? model = null)
        : this(address, Decode(config, resources), resources, driver, iommuGroup, resetMethods, numaNode, parent, knownRegisters, model)
    {
    }

    /// <summary>Creates a function from a config space already decoded with <see cref="Decode"/> (a simulated host needs the decoding first).</summary>
    internal HostFunction(
        PciAddress address,
        DecodedFunction decoded,
        IReadOnlyList<BarResource> resources,
        string? driver,
        int? iommuGroup,
        IReadOnlyList<string> resetMethods,
        int? numaNode,
        PciAddress? parent,
        IReadOnlyList<RegisterRange> knownRegisters,
        string? model)
    {
        Address = address;
        Config = decoded.Config;
        Resources = resources;
        Driver = driver;
        IommuGroup = iommuGroup;
        ResetMethods = resetMethods;
        NumaNode = numaNode;
        Parent = parent;
        Model = model;
        Decoded = decoded;
        KnownRegisters = [.. knownRegisters, .. CapabilityRegisterRanges.From(Decoded)];
    }

    /// <summary>Decodes <paramref name="config"/> with the BAR and ROM sizes the host placed.</summary>
    internal static DecodedFunction Decode(ConfigSpace config, IReadOnlyList<BarResource> resources)
    {
        var sizes = new Dictionary<int, ulong>();
        foreach (BarResource r in resources)
        {
            if (r.Index < BarResource.RomIndex && r.Size != 0)
            {
                sizes[r.Index] = r.Size;
            }
        }

        ulong? romSize = resources.FirstOrDefault(r => r.Index == BarResource.RomIndex)?.Size;
        return DecodedFunction.Decode(config, sizes, romSize is 0 ? null : romSize);
    }

    /// <summary>The function's address.</summary>
    public PciAddress Address { get; }

    /// <summary>Its configuration space as read.</summary>
    public ConfigSpace Config { get; }

    /// <summary>Its configuration space decoded, with BAR sizes filled in.</summary>
    public DecodedFunction Decoded { get; }

    /// <summary>BAR and ROM placements (sizes, host addresses).</summary>
    public IReadOnlyList<BarResource> Resources { get; }

    /// <summary>Bound driver name, or null when unbound.</summary>
    public string? Driver { get; }

    /// <summary>IOMMU group number, or null when the function has none.</summary>
    public int? IommuGroup { get; }

    /// <summary>Enabled reset methods in the order the kernel tries them (<c>flr</c>, <c>pm</c>, <c>bus</c>, …).</summary>
    public IReadOnlyList<string> ResetMethods { get; }

    /// <summary>NUMA node, or null when unknown.</summary>
    public int? NumaNode { get; }

    /// <summary>The upstream bridge, or null on a root bus.</summary>
    public PciAddress? Parent { get; }

    /// <summary>Register ranges inside the BARs known to hold device registers: those given (a device model's map) and those its capabilities reveal.</summary>
    public IReadOnlyList<RegisterRange> KnownRegisters { get; }

    /// <summary>Simulated device model name, for simulated hosts.</summary>
    public string? Model { get; }

    /// <summary>Whether the function is a bridge or port.</summary>
    public bool IsBridge => Decoded.IsBridge;

    /// <summary>Size of BAR <paramref name="index"/>, or 0 when absent or unknown.</summary>
    public ulong BarSize(int index) => Resources.FirstOrDefault(r => r.Index == index)?.Size ?? 0;
}
