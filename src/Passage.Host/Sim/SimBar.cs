using Passage.Pci;

namespace Passage.Host.Sim;

/// <summary>A BAR a device model implements: index, kind, size (a power of two) and prefetchability.</summary>
public sealed record SimBar(int Index, BarKind Kind, ulong Size, bool Prefetchable = false);
