namespace Passage.Fuzz;

/// <summary>Replays a directory of inputs through a target in-process, without a fuzzer: what CI and the tests run.</summary>
public static class CorpusReplay
{
    /// <summary>Runs every file under <paramref name="directory"/> (sorted by name) through <paramref name="target"/>.</summary>
    /// <exception cref="CorpusReplayException">An input made the target throw.</exception>
    public static CorpusReplayResult Run(FuzzTarget target, string directory)
    {
        ArgumentNullException.ThrowIfNull(target);
        string[] files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        long accepted = 0;
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
            try
            {
                accepted += target(input);
            }
            catch (Exception e)
            {
                throw new CorpusReplayException(file, e);
            }
        }

        return new CorpusReplayResult(files.Length, accepted);
    }
}
