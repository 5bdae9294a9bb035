using Passage.Pci.Capabilities;

namespace Passage.Pci.Decoding;

/// <summary>A list entry together with its decoded contents (null when Passage has no decoder for the ID).</summary>
/// <param name="Entry">The list entry.</param>
/// <param name="Decoded">The decoded contents.</param>
public sealed record DecodedCapability(CapabilityEntry Entry, CapabilityDecoding? Decoded)
{
    /// <summary>Human name of the capability.</summary>
    public string Name => Entry.Name;

    /// <summary>Decoded fields (empty without a decoder).</summary>
    public IReadOnlyList<DecodedField> Fields => Decoded?.Fields ?? [];
}
