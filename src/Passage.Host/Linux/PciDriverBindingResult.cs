using Passage.Pci;

namespace Passage.Host.Linux;

/// <summary>What a driver (re)binding did.</summary>
/// <param name="Address">The function.</param>
/// <param name="PreviousDriver">The driver bound before (null = none).</param>
/// <param name="NewDriver">The driver bound after the probe, as sysfs shows it (null = none claimed it).</param>
/// <param name="Changed">False when nothing had to be written (already bound as asked).</param>
public sealed record PciDriverBindingResult(PciAddress Address, string? PreviousDriver, string? NewDriver, bool Changed);
