using Passage.Fuzz.Targets;

namespace Passage.Fuzz;

/// <summary>The targets by the name given on the command line.</summary>
public static class FuzzTargets
{
    /// <summary>Every target.</summary>
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal)
    {
        [VfioUserFrameTarget.Name] = VfioUserFrameTarget.Run,
    };
}
