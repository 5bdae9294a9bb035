using Passage.Fuzz;
using Passage.Fuzz.Targets;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// The fuzz target's seed corpus (fuzz/corpus/vfio-user/) replayed in-process, as CI does without
/// a fuzzer: every seed is a valid message the target accepts, and the committed files are the ones
/// the codec's writers produce today.
/// </summary>
public sealed class VfioUserFuzzCorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "corpus", "vfio-user");

    [Fact]
    public void Replay_SeedCorpus_EverySeedRunsWithoutAFinding()
    {
        CorpusReplayResult result = CorpusReplay.Run(FuzzTargets.All[VfioUserFrameTarget.Name], CorpusDirectory);

        Assert.Equal(Directory.GetFiles(CorpusDirectory).Length, result.Inputs);
        Assert.True(result.Inputs >= 30, $"only {result.Inputs} seeds");
        Assert.True(result.Accepted >= result.Inputs, $"{result.Accepted} frames accepted from {result.Inputs} seeds");
    }

    [Fact]
    public void Run_EachSeed_AcceptsItsFramesButTheUnknownCommand()
    {
        foreach (string file in Directory.GetFiles(CorpusDirectory))
        {
            int accepted = VfioUserFrameTarget.Run(File.ReadAllBytes(file));
            string name = Path.GetFileNameWithoutExtension(file);

            int expected = name switch
            {
                "unknown-command" => 0, // answered with EINVAL, not accepted
                "pipelined" => 3,
                _ => 1,
            };
            Assert.True(expected == accepted, $"{name}: {accepted} frames accepted, {expected} expected");
        }
    }

    [Fact]
    public void SeedCorpus_Committed_MatchesWhatTheWritersProduce()
    {
        var committed = Directory.GetFiles(CorpusDirectory).ToDictionary(f => Path.GetFileNameWithoutExtension(f), File.ReadAllBytes);
        var produced = VfioUserSeeds.All().ToDictionary(s => s.Name, s => s.Bytes);

        Assert.Equal(produced.Keys.Order(), committed.Keys.Order());
        foreach ((string name, byte[] bytes) in produced)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(committed[name]), $"{name} differs: regenerate with Passage.Fuzz vfio-user --write-seeds fuzz/corpus/vfio-user");
        }
    }

    [Fact]
    public void Replay_TargetThatThrows_NamesTheInput()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"passage-corpus-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "a"), [1]);
            File.WriteAllBytes(Path.Combine(directory, "b"), [2]);

            CorpusReplayException e = Assert.Throws<CorpusReplayException>(() =>
                CorpusReplay.Run(input => input[0] == 2 ? throw new FuzzCheckException("found") : 1, directory));

            Assert.Equal(Path.Combine(directory, "b"), e.Input);
            Assert.IsType<FuzzCheckException>(e.InnerException);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Main_CorpusReplayAndUsage_ExitCodes()
    {
        TextWriter output = Console.Out, error = Console.Error;
        try
        {
            Console.SetOut(TextWriter.Null);
            Console.SetError(TextWriter.Null);

            Assert.Equal(0, Program.Main([VfioUserFrameTarget.Name, "--corpus", CorpusDirectory]));
            Assert.Equal(2, Program.Main(["no-such-target", "--corpus", CorpusDirectory]));
            Assert.Equal(2, Program.Main([]));
            Assert.Equal(2, Program.Main([VfioUserFrameTarget.Name, "--corpus", Path.Combine(CorpusDirectory, "missing")]));
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }
}
