using SharpFuzz;

namespace Passage.Fuzz;

/// <summary>
/// <c>Passage.Fuzz TARGET</c> runs a target under libFuzzer (the binary instrumented with
/// <c>sharpfuzz</c> and started by libFuzzer's driver); <c>--afl</c> runs it under AFL++ instead;
/// <c>--corpus DIR</c> replays every file of a directory through the target without a fuzzer;
/// <c>--write-seeds DIR</c> writes the target's seed corpus.
/// </summary>
public static class Program
{
    /// <summary>Entry point; exit 0 on success, 1 on a finding during replay, 2 on a usage error.</summary>
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out FuzzTarget? target))
        {
            return Usage();
        }

        if (args.Length == 1)
        {
            Fuzzer.LibFuzzer.Run(span => target(span));
            return 0;
        }

        if (args.Length == 2 && args[1] == "--afl")
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            });
            return 0;
        }

        if (args.Length == 3 && args[1] == "--corpus")
        {
            return Replay(target, args[2]);
        }

        if (args.Length == 3 && args[1] == "--write-seeds" && FuzzTargets.Seeds.TryGetValue(args[0], out Func<IEnumerable<(string Name, byte[] Bytes)>>? seeds))
        {
            Directory.CreateDirectory(args[2]);
            foreach ((string name, byte[] bytes) in seeds())
            {
                File.WriteAllBytes(Path.Combine(args[2], name + ".bin"), bytes);
            }

            return 0;
        }

        return Usage();
    }

    private static int Replay(FuzzTarget target, string directory)
    {
        CorpusReplayResult result;
        try
        {
            result = CorpusReplay.Run(target, directory);
        }
        catch (CorpusReplayException e)
        {
            Console.Error.WriteLine($"{e.Input}: {e.InnerException?.GetType().Name}: {e.InnerException?.Message}");
            return 1;
        }
        catch (DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"no corpus directory {directory}");
            return 2;
        }

        Console.WriteLine($"{result.Inputs} inputs replayed, {result.Accepted} units accepted");
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: Passage.Fuzz TARGET [--afl | --corpus DIR | --write-seeds DIR]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
        return 2;
    }
}
