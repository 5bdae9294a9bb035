using Passage.Pci.Capabilities;

namespace Passage.Pci.Decoding;

/// <summary>
/// Everything Passage decodes from one configuration space: header, BARs, ROM, both capability
/// lists with their contents, and the defects found on the way.
/// </summary>
public sealed class DecodedFunction
{
    private DecodedFunction(ConfigSpace config) => Config = config;

    /// <summary>The raw configuration space.</summary>
    public ConfigSpace Config { get; }

    /// <summary>BARs, with sizes where they were supplied.</summary>
    public IReadOnlyList<PciBar> Bars { get; private init; } = [];

    /// <summary>The expansion ROM, if implemented.</summary>
    public ExpansionRom? Rom { get; private init; }

    /// <summary>Bridge fields, for type 1 headers.</summary>
    public BridgeHeader? Bridge { get; private init; }

    /// <summary>The standard capability list.</summary>
    public IReadOnlyList<DecodedCapability> Capabilities { get; private init; } = [];

    /// <summary>The extended capability list.</summary>
    public IReadOnlyList<DecodedCapability> ExtendedCapabilities { get; private init; } = [];

    /// <summary>Defects of either list (loops, bad pointers, truncation).</summary>
    public IReadOnlyList<ChainProblem> Problems { get; private init; } = [];

    /// <summary>The first MSI capability, if any.</summary>
    public MsiCapability? Msi { get; private init; }

    /// <summary>The first MSI-X capability, if any.</summary>
    public MsixCapability? Msix { get; private init; }

    /// <summary>The PCI Express capability, if any.</summary>
    public PciExpressCapability? Pcie { get; private init; }

    /// <summary>The Power Management capability, if any.</summary>
    public PowerManagementCapability? PowerManagement { get; private init; }

    /// <summary>The Advanced Features capability, if any.</summary>
    public AdvancedFeaturesCapability? AdvancedFeatures { get; private init; }

    /// <summary>The AER capability, if any.</summary>
    public AerCapability? Aer { get; private init; }

    /// <summary>The ACS capability, if any.</summary>
    public AcsCapability? Acs { get; private init; }

    /// <summary>The SR-IOV capability, if any.</summary>
    public SriovCapability? Sriov { get; private init; }

    /// <summary>Whether the function is a bridge (type 1 header, or a PCI Express port).</summary>
    public bool IsBridge => Config.Layout != HeaderLayout.Endpoint || Pcie is { IsPortOrBridge: true };

    /// <summary>Decodes a configuration space.</summary>
    /// <param name="config">The bytes.</param>
    /// <param name="barSizes">Known BAR sizes by index (from sysfs or a topology), if any.</param>
    /// <param name="romSize">Known ROM size, if any.</param>
    public static DecodedFunction Decode(ConfigSpace config, IReadOnlyDictionary<int, ulong>? barSizes = null, ulong? romSize = null)
    {
        CapabilityChain standard = CapabilityWalker.WalkStandard(config);
        CapabilityChain extended = CapabilityWalker.WalkExtended(config);
        var capabilities = standard.Entries.Select(e => new DecodedCapability(e, CapabilityDecoders.Decode(config, e))).ToList();
        var extendedCapabilities = extended.Entries.Select(e => new DecodedCapability(e, CapabilityDecoders.Decode(config, e))).ToList();
        return new DecodedFunction(config)
        {
            Bars = PciBar.Decode(config, barSizes),
            Rom = ExpansionRom.Decode(config, romSize),
            Bridge = config.Layout == HeaderLayout.Bridge ? BridgeHeader.Decode(config) : null,
            Capabilities = capabilities,
            ExtendedCapabilities = extendedCapabilities,
            Problems = [.. standard.Problems, .. extended.Problems],
            // Found once: hot paths ask for these on every access.
            Msi = Find<MsiCapability>(capabilities),
            Msix = Find<MsixCapability>(capabilities),
            Pcie = Find<PciExpressCapability>(capabilities),
            PowerManagement = Find<PowerManagementCapability>(capabilities),
            AdvancedFeatures = Find<AdvancedFeaturesCapability>(capabilities),
            Aer = Find<AerCapability>(extendedCapabilities),
            Acs = Find<AcsCapability>(extendedCapabilities),
            Sriov = Find<SriovCapability>(extendedCapabilities),
        };
    }

    private static T? Find<T>(IReadOnlyList<DecodedCapability> list)
        where T : CapabilityDecoding
    {
        foreach (DecodedCapability c in list)
        {
            if (c.Decoded is T t)
            {
                return t;
            }
        }

        return null;
    }
}
