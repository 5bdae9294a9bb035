using Passage.Fuzz;
using Passage.Fuzz.Targets;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Protocol;

/// <summary>
/// The XenStore fuzz target's seed corpus (fuzz/corpus/xenstore/) replayed in-process, as CI does
/// without a fuzzer: every seed runs without a finding and hands the engine the frames it holds,
/// and the committed files are the ones the protocol's writers produce today.
/// </summary>
public sealed class XenStoreFuzzCorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "corpus", "xenstore");

    private static readonly Dictionary<string, int> ExpectedFrames = new(StringComparer.Ordinal)
    {
        ["write-value-with-nuls"] = 1,
        ["read"] = 1,
        ["mkdir"] = 1,
        ["rm"] = 1,
        ["directory"] = 1,
        ["directory-part"] = 1,
        ["get-perms"] = 1,
        ["set-perms"] = 1,
        ["watch"] = 1,
        ["watch-unwatch"] = 2,
        ["watch-then-change"] = 3,
        ["transaction-commit"] = 6,
        ["transaction-abort"] = 4,
        ["transaction-conflict"] = 5,
        ["transaction-start-empty"] = 1,
        ["introduce"] = 1,
        ["release"] = 2,
        ["is-domain-introduced"] = 1,
        ["get-domain-path"] = 1,
        ["set-target"] = 2,
        ["resume"] = 1,
        ["reset-watches"] = 3,
        ["control-help"] = 1,
        ["control-check"] = 1,
        ["unknown-type"] = 1,
        ["len-zero"] = 1,
        ["pipelined"] = 6,
        ["truncated"] = 0, // the frame's last bytes never came
        ["oversized-header"] = 0, // the stream ends at the header announcing 4097 bytes, before the READ after it
        ["guest-write-home"] = 1,
        ["guest-read-backend"] = 1,
        ["guest-write-backend-denied"] = 1,
        ["guest-introduce-denied"] = 1,
        ["guest-owner-change-denied"] = 1,
        ["guest-relative-watch"] = 3,
    };

    [Fact]
    public void Replay_SeedCorpus_EverySeedRunsWithoutAFinding()
    {
        CorpusReplayResult result = CorpusReplay.Run(FuzzTargets.All[XenStoreTarget.Name], CorpusDirectory);

        Assert.Equal(Directory.GetFiles(CorpusDirectory).Length, result.Inputs);
        Assert.InRange(result.Inputs, 20, 40);
        Assert.Equal(ExpectedFrames.Values.Sum(), result.Accepted);
    }

    [Fact]
    public void Run_EachSeed_HandlesTheFramesItHolds()
    {
        foreach (string file in Directory.GetFiles(CorpusDirectory))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            Assert.True(ExpectedFrames.ContainsKey(name), $"{name} has no expected frame count");

            int handled = XenStoreTarget.Run(File.ReadAllBytes(file));

            Assert.True(ExpectedFrames[name] == handled, $"{name}: {handled} frames handled, {ExpectedFrames[name]} expected");
        }
    }

    [Fact]
    public void SeedCorpus_Committed_MatchesWhatTheWritersProduce()
    {
        var committed = Directory.GetFiles(CorpusDirectory).ToDictionary(f => Path.GetFileNameWithoutExtension(f), File.ReadAllBytes);
        var produced = XenStoreSeeds.All().ToDictionary(s => s.Name, s => s.Bytes);

        Assert.Equal(produced.Keys.Order(), committed.Keys.Order());
        foreach ((string name, byte[] bytes) in produced)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(committed[name]), $"{name} differs: regenerate with Passage.Fuzz xenstore --write-seeds fuzz/corpus/xenstore");
        }
    }

    [Fact]
    public void Main_WriteSeeds_WritesEverySeedOfTheTarget()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"passage-xs-seeds-{Guid.NewGuid():N}");
        TextWriter output = Console.Out, error = Console.Error;
        try
        {
            Console.SetOut(TextWriter.Null);
            Console.SetError(TextWriter.Null);

            Assert.Equal(0, Passage.Fuzz.Program.Main([XenStoreTarget.Name, "--write-seeds", directory]));
            Assert.Equal(0, Passage.Fuzz.Program.Main([XenStoreTarget.Name, "--corpus", directory]));
            Assert.Equal(2, Passage.Fuzz.Program.Main([XenStoreTarget.Name, "--write-seeds"]));

            string[] written = [.. Directory.GetFiles(directory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
            Assert.Equal(XenStoreSeeds.All().Select(s => s.Name + ".bin").Order(StringComparer.Ordinal), written);
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public void Run_EmptyInput_HandlesNothing()
    {
        Assert.Equal(0, XenStoreTarget.Run([]));
    }

    [Fact]
    public void Run_OversizedHeaderAfterFrames_HandlesOnlyTheFramesBeforeIt()
    {
        byte[] read = Frames.Build(XsMessageType.Read, 1, 0, "/local\0"u8);
        byte[] oversized = Frames.HeaderOnly(XsMessageType.Write, 2, 0, XsHeader.MaxPayload + 1);

        int handled = XenStoreTarget.Run([0, .. read, .. read, .. oversized, .. read]);

        Assert.Equal(2, handled);
    }

    [Fact]
    public void Run_PayloadAtTheLimit_IsHandledAndOneByteShortIsNot()
    {
        byte[] write = Frames.Build(XsMessageType.Write, 1, 0, [.. "/local/domain/0/big\0"u8, .. new byte[XsHeader.MaxPayload - 20]]);

        Assert.Equal(2, XenStoreTarget.Run([0, .. write, .. write]));
        Assert.Equal(1, XenStoreTarget.Run([0, .. write, .. write[..^1]]));
    }

    [Fact]
    public void Run_GuestSpeaker_RunsThePermissionPaths()
    {
        // An odd first byte speaks as domain 5; its home is its own, dom0's backend is read-only to it.
        byte[] stream =
        [
            1,
            .. Frames.Build(XsMessageType.Write, 1, 0, "data\0v"u8),
            .. Frames.Build(XsMessageType.Write, 2, 0, "/local/domain/0/backend/vif/5/0/state\0x"u8),
            .. Frames.Build(XsMessageType.Control, 3, 0, "check\0"u8),
        ];

        Assert.Equal(3, XenStoreTarget.Run(stream));
    }
}
