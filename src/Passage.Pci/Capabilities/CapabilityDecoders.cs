namespace Passage.Pci.Capabilities;

/// <summary>The table of capability decoders, by list and ID. Capabilities without a decoder are listed by name only.</summary>
public static class CapabilityDecoders
{
    private static readonly Dictionary<int, Func<ConfigSpace, int, CapabilityDecoding>> Standard = new()
    {
        [(int)CapabilityId.PowerManagement] = PowerManagementCapability.Decode,
        [(int)CapabilityId.Msi] = MsiCapability.Decode,
        [(int)CapabilityId.VendorSpecific] = VendorSpecificCapability.Decode,
        [(int)CapabilityId.PciExpress] = PciExpressCapability.Decode,
        [(int)CapabilityId.MsiX] = MsixCapability.Decode,
        [(int)CapabilityId.AdvancedFeatures] = AdvancedFeaturesCapability.Decode,
    };

    private static readonly Dictionary<int, Func<ConfigSpace, int, CapabilityDecoding>> Extended = new()
    {
        [(int)ExtendedCapabilityId.Aer] = AerCapability.Decode,
        [(int)ExtendedCapabilityId.DeviceSerialNumber] = DeviceSerialNumberCapability.Decode,
        [(int)ExtendedCapabilityId.Acs] = AcsCapability.Decode,
        [(int)ExtendedCapabilityId.Ari] = AriCapability.Decode,
        [(int)ExtendedCapabilityId.Sriov] = SriovCapability.Decode,
        [(int)ExtendedCapabilityId.ResizableBar] = ResizableBarCapability.Decode,
    };

    /// <summary>Decodes one list entry, or returns null when no decoder exists for its ID.</summary>
    public static CapabilityDecoding? Decode(ConfigSpace config, CapabilityEntry entry) =>
        (entry.Extended ? Extended : Standard).TryGetValue(entry.Id, out Func<ConfigSpace, int, CapabilityDecoding>? decode)
            ? decode(config, entry.Offset)
            : null;
}
