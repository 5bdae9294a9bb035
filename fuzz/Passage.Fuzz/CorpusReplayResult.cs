namespace Passage.Fuzz;

/// <summary>What a replay ran.</summary>
/// <param name="Inputs">Files replayed.</param>
/// <param name="Accepted">Units (frames, messages) the target accepted over all of them.</param>
public sealed record CorpusReplayResult(int Inputs, long Accepted);
