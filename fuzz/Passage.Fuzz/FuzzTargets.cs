using Passage.Fuzz.Targets;

namespace Passage.Fuzz;

/// <summary>The targets, and their seed corpora, by the name given on the command line.</summary>
public static class FuzzTargets
{
    /// <summary>Every target.</summary>
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal)
    {
        [VfioUserFrameTarget.Name] = VfioUserFrameTarget.Run,
        [XenStoreTarget.Name] = XenStoreTarget.Run,
    };

    /// <summary>The seed writers of the targets that have them: each yields (file name without extension, bytes).</summary>
    public static IReadOnlyDictionary<string, Func<IEnumerable<(string Name, byte[] Bytes)>>> Seeds { get; } =
        new Dictionary<string, Func<IEnumerable<(string Name, byte[] Bytes)>>>(StringComparer.Ordinal)
        {
            [VfioUserFrameTarget.Name] = VfioUserSeeds.All,
            [XenStoreTarget.Name] = XenStoreSeeds.All,
        };
}
