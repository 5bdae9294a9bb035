namespace Passage.VfioUser.Protocol;

/// <summary>Checks shared by the payload writers: a short destination is the caller's mistake, never the wire's.</summary>
internal static class VfioUserWire
{
    public static void EnsureRoom(Span<byte> destination, int size)
    {
        if (destination.Length < size)
        {
            ThrowTooShort(destination.Length, size);
        }
    }

    // Kept out of line so the writers stay small and allocation-free on their normal path.
    private static void ThrowTooShort(int length, int size) =>
        throw new ArgumentException($"the destination holds {length} bytes, the message needs {size}");
}
