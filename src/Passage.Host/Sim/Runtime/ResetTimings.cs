namespace Passage.Host.Sim.Runtime;

/// <summary>The waits Linux applies around each reset (lifecycle.md §2), charged to the virtual clock.</summary>
public static class ResetTimings
{
    /// <summary>Wait after Initiate FLR (FLR and AF FLR) before readiness polling.</summary>
    public static readonly TimeSpan FlrWait = TimeSpan.FromMilliseconds(100);

    /// <summary>First sleep between Transactions Pending checks; it doubles (checks at 0, +100, +200, +400 ms).</summary>
    public static readonly TimeSpan PendingCheckStep = TimeSpan.FromMilliseconds(100);

    /// <summary>Transactions Pending checks before an FLR is issued anyway.</summary>
    public const int PendingChecks = 4;

    /// <summary>Default D3hot delay, charged for each transition into or out of D3hot.</summary>
    public static readonly TimeSpan D3HotDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>How long Secondary Bus Reset is held.</summary>
    public static readonly TimeSpan SecondaryBusResetHold = TimeSpan.FromMilliseconds(2);

    /// <summary>Wait after releasing a PCI Express secondary bus reset.</summary>
    public static readonly TimeSpan PcieBusResetWait = TimeSpan.FromMilliseconds(100);

    /// <summary>Wait after releasing a conventional PCI secondary bus reset (1000 + 100 ms).</summary>
    public static readonly TimeSpan ConventionalBusResetWait = TimeSpan.FromMilliseconds(1100);

    /// <summary>Readiness polling gives up once its next back-off would exceed this.</summary>
    public static readonly TimeSpan ReadinessTimeout = TimeSpan.FromMilliseconds(60_000);
}
