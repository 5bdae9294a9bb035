namespace Passage.Vpci.Function;

/// <summary>A virtual register that only stores what the guest writes (cache line, latency timer, interrupt line).</summary>
/// <param name="initial">The value it holds at creation and after a virtual FLR.</param>
/// <param name="survivesReset">Whether a virtual FLR keeps the value (Interrupt Line does).</param>
internal sealed class StoredRegister(uint initial, bool survivesReset = false)
{
    private readonly uint _initial = initial;

    /// <summary>The stored value.</summary>
    public uint Value { get; set; } = initial;

    /// <summary>Back to the value at creation, unless the register survives resets.</summary>
    public void Reset()
    {
        if (!survivesReset)
        {
            Value = _initial;
        }
    }
}
