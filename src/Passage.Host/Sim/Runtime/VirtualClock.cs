namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Simulated time: it moves only when something charges a cost to it (a reset's waits), so tests
/// of reset timing never sleep and always see the same numbers.
/// </summary>
public sealed class VirtualClock
{
    /// <summary>Time elapsed since the clock was created.</summary>
    public TimeSpan Now { get; private set; }

    /// <summary>Moves the clock forward by <paramref name="duration"/> (zero or more).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The duration is negative.</exception>
    public void Advance(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        Now += duration;
    }
}
