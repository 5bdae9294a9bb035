using Passage.Pci;

namespace Passage.Host.Sim.Runtime;

/// <summary>What a simulated reset did.</summary>
/// <param name="Method">The method that ran (<c>flr</c>, <c>af_flr</c>, <c>pm</c>, <c>bus</c>).</param>
/// <param name="Duration">Virtual time the reset charged, readiness polling included.</param>
/// <param name="Affected">Every function the reset reached.</param>
/// <param name="Ready">Whether every affected function answered before readiness polling gave up.</param>
public sealed record SimResetResult(string Method, TimeSpan Duration, IReadOnlyList<PciAddress> Affected, bool Ready);
