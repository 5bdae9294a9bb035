using System.Diagnostics;
using System.Globalization;
using System.Text;
using Passage.Store.Persistence;

namespace Passage.Store.Tests.Persistence;

/// <summary>
/// A process appending to the database is killed with SIGKILL at a random moment; reopening must
/// show every acknowledged change set whole and no set in part (issue 6, item 5).
/// </summary>
public sealed class SqlitePersistenceCrashTests : IDisposable
{
    private const int NodesPerSet = 8;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("passage-store-crash-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Open_AfterProbeKilledMidStream_EveryAckedSetWholeAndNoPartialSet()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string database = Path.Combine(_directory, "store.db");
        var random = new Random();
        long highestAcked = 0;

        // The same file across rounds: each round also recovers from the previous kill.
        for (int round = 0; round < 5; round++)
        {
            long acked = await RunAndKillProbeAsync(database, killAfterAcks: random.Next(200, 600), extraDelayMs: random.Next(0, 20), ct);
            Assert.True(acked > highestAcked, $"round {round}: the probe acknowledged nothing new");
            highestAcked = acked;

            long present = AssertSetsArePrefix(database);
            Assert.True(present >= acked, $"round {round}: set {acked} was acknowledged, but only sets up to {present} survived");
        }
    }

    /// <summary>Starts the probe, kills it with SIGKILL after <paramref name="killAfterAcks"/> acknowledgements (and a short random delay); returns the highest set number it acknowledged.</summary>
    private static async Task<long> RunAndKillProbeAsync(string database, int killAfterAcks, int extraDelayMs, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Passage.Store.CrashProbe.dll"));
        start.ArgumentList.Add(database);
        start.ArgumentList.Add("4");
        start.ArgumentList.Add(NodesPerSet.ToString(CultureInfo.InvariantCulture));

        using Process probe = Process.Start(start)!;
        Task<string> errors = probe.StandardError.ReadToEndAsync(ct);
        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Read on while the kill is pending, so the probe never stalls on a full pipe.
        Task<long> reading = Task.Run(
            async () =>
            {
                long highest = 0;
                int acks = 0;
                while (await probe.StandardOutput.ReadLineAsync(ct) is string line)
                {
                    highest = Math.Max(highest, ParseAck(line));
                    if (++acks == killAfterAcks)
                    {
                        enoughAcks.SetResult();
                    }
                }

                // Lines read after the kill were printed after their sets were durable: they count too.
                return highest;
            },
            ct);

        try
        {
            Task first = await Task.WhenAny(enoughAcks.Task, reading).WaitAsync(Patience, ct);
            if (first != enoughAcks.Task)
            {
                probe.Kill();
                await reading; // a line that is not an acknowledgement fails here
                Assert.Fail($"The probe stopped before it was killed: {await errors.WaitAsync(Patience, ct)}");
            }

            await Task.Delay(extraDelayMs, ct);
        }
        finally
        {
            probe.Kill();
        }

        long acked = await reading.WaitAsync(Patience, ct);
        await probe.WaitForExitAsync(ct).WaitAsync(Patience, ct);
        Assert.Equal(128 + 9, probe.ExitCode); // killed by SIGKILL, not exited on its own
        return acked;
    }

    private static long ParseAck(string line)
    {
        Assert.StartsWith("acked ", line, StringComparison.Ordinal);
        return long.Parse(line.AsSpan("acked ".Length), CultureInfo.InvariantCulture);
    }

    /// <summary>Reopens the database and checks it holds sets 1 … M whole, /last and the generation at M; returns M.</summary>
    private static long AssertSetsArePrefix(string database)
    {
        using SqlitePersistence persistence = SqlitePersistence.Open(database);
        StoreImage image = persistence.Load();

        var nodesBySet = new Dictionary<long, int>();
        byte[]? last = null;
        foreach (PersistedNode node in image.Nodes)
        {
            if (node.Path == "/last")
            {
                last = node.Value;
                continue;
            }

            string[] parts = node.Path.Split('/');
            Assert.Equal(4, parts.Length);
            Assert.Equal("sets", parts[1]);
            long number = long.Parse(parts[2], CultureInfo.InvariantCulture);
            Assert.Equal(parts[2], Encoding.ASCII.GetString(node.Value));
            Assert.Equal((ulong)number, node.Generation);
            nodesBySet[number] = nodesBySet.GetValueOrDefault(number) + 1;
        }

        long highest = nodesBySet.Count == 0 ? 0 : nodesBySet.Keys.Max();
        Assert.Equal(highest, nodesBySet.Count); // sets 1 … M, none missing
        Assert.All(nodesBySet, set => Assert.Equal(NodesPerSet, set.Value)); // none in part
        Assert.Equal(highest.ToString(CultureInfo.InvariantCulture), last is null ? "0" : Encoding.ASCII.GetString(last));
        Assert.Equal((ulong)highest, image.Generation);
        return highest;
    }
}
