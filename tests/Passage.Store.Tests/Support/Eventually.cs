namespace Passage.Store.Tests.Support;

/// <summary>Waits for a condition another thread makes true; the long timeout only keeps a broken test from hanging.</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                return false;
            }

            await Task.Delay(10, cancellationToken);
        }

        return true;
    }
}
