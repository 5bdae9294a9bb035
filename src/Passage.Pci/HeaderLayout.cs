namespace Passage.Pci;

/// <summary>The header layout in bits 6:0 of the Header Type register.</summary>
public enum HeaderLayout
{
    /// <summary>Type 0: an endpoint.</summary>
    Endpoint = 0,

    /// <summary>Type 1: a PCI-to-PCI bridge.</summary>
    Bridge = 1,

    /// <summary>Type 2: a CardBus bridge.</summary>
    CardBus = 2,
}
