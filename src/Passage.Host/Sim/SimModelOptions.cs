namespace Passage.Host.Sim;

/// <summary>Per-instance choices a topology makes for a device model.</summary>
/// <param name="Acs">Whether a port implements ACS (with the isolation flags enabled).</param>
/// <param name="MultiFunction">Whether the slot holds more than one function (header type bit 7).</param>
public sealed record SimModelOptions(bool Acs, bool MultiFunction);
