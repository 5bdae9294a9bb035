namespace Passage.Vpci.Capabilities;

/// <summary>A host capability the guest does not see.</summary>
/// <param name="Offset">Where it sits in the host's config space.</param>
/// <param name="Id">Capability ID.</param>
/// <param name="Extended">An extended (PCI Express) capability.</param>
/// <param name="Reason">Why it is hidden.</param>
public sealed record HiddenCapability(int Offset, int Id, bool Extended, string Reason);
