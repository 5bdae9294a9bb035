namespace Passage.Vpci.Tests.Msix;

/// <summary>
/// Interrupt storms keep every core busy for a second or two: they run alone, after the parallel
/// tests, so they cannot disturb tests that measure their own thread (allocation budgets).
/// </summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class InterruptStormCollection;
