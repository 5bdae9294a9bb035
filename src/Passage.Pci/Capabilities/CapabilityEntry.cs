namespace Passage.Pci.Capabilities;

/// <summary>One link of a capability list as found in config space.</summary>
/// <param name="Offset">Offset of the capability's first byte.</param>
/// <param name="Id">Capability ID (8 bits standard, 16 bits extended).</param>
/// <param name="Version">Extended capability version (bits 19:16); 0 for standard capabilities.</param>
/// <param name="Next">Next pointer as read (0 ends the list).</param>
/// <param name="Extended">Whether this entry is on the extended list.</param>
public sealed record CapabilityEntry(int Offset, int Id, int Version, int Next, bool Extended)
{
    /// <summary>The capability's human name.</summary>
    public string Name => Extended ? CapabilityNames.ForExtended(Id) : CapabilityNames.ForStandard(Id);
}
