namespace Passage.Vpci.Capabilities;

/// <summary>A capability the guest sees.</summary>
/// <param name="Offset">Where it sits in config space.</param>
/// <param name="Id">Capability ID.</param>
/// <param name="Extended">An extended (PCI Express) capability.</param>
/// <param name="Name">Its name.</param>
public sealed record ExposedCapability(int Offset, int Id, bool Extended, string Name);
