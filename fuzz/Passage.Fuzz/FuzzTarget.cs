namespace Passage.Fuzz;

/// <summary>A fuzz target: consumes one input and throws when it finds the code under test misbehaving.</summary>
/// <param name="input">The input bytes.</param>
/// <returns>How many units (frames, messages) of the input were accepted, for replay reports.</returns>
public delegate int FuzzTarget(ReadOnlySpan<byte> input);
