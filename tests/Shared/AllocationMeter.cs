namespace Passage.Tests.Shared;

/// <summary>
/// How many bytes a hot path allocates on the calling thread. The runtime's own work — a garbage
/// collection retiring the thread's allocation context, tiered compilation swapping code while
/// other tests keep the machine busy — can charge a few hundred bytes to whatever thread is
/// running, in some measurements and not others; an allocation on the path shows in every one.
/// So the measurement is repeated and the least count returned: 0 means no run allocated.
/// </summary>
internal static class AllocationMeter
{
    /// <summary>The least number of bytes <paramref name="body"/> allocated over <paramref name="iterations"/> calls (called with 1 … n), in up to <paramref name="attempts"/> measurements.</summary>
    public static long Least(Action<int> body, int iterations, int attempts = 5)
    {
        body(0); // first use: JIT, lazily built state
        long least = long.MaxValue;
        for (int attempt = 0; attempt < attempts && least != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 1; i <= iterations; i++)
            {
                body(i);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
