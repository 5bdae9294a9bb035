using System.Collections.Concurrent;
using Passage.Scenarios.Harness;
using Passage.Store;
using Passage.Store.Client;

namespace Passage.Scenarios.Store;

/// <summary>
/// <c>passage store serve --db</c> killed with SIGKILL while clients write: after a restart on the
/// same database every acknowledged write is there and no transaction is half there.
/// </summary>
public sealed class StoreCrashScenarios : IDisposable
{
    private const int Clients = 4;
    private static readonly string[] Parts = ["a", "b", "c"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("passage-xs-crash-").FullName;

    private string Socket => Path.Combine(_directory, "socket");

    private string Database => Path.Combine(_directory, "store.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Serve_KilledWhileClientsCommit_EveryAcknowledgedTransactionWholeAfterRestart()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        var acked = new ConcurrentDictionary<(int Client, int Seq), byte>();
        var random = new Random(6);

        for (int round = 0; round < 3; round++)
        {
            using (PassageProcess server = StartServer())
            {
                using var stop = new CancellationTokenSource();
                int killAfter = acked.Count + random.Next(100, 400);
                Task[] writers = [.. Enumerable.Range(0, Clients).Select(c => Task.Run(() => WriteUntilLostAsync(c, round, acked, stop.Token), cancel))];
                while (acked.Count < killAfter && !writers.All(w => w.IsCompleted))
                {
                    await Task.Delay(2, cancel);
                }

                server.KillHard();
                await Task.WhenAll(writers);
            }

            using PassageProcess restarted = StartServer();
            await using StoreClient client = await StoreClient.ConnectAsync(Socket, cancel);
            await CheckAsync(client, acked, cancel);
        }

        Assert.True(acked.Count >= 300, $"only {acked.Count} transactions were acknowledged before the kills");
    }

    private static async Task CheckAsync(StoreClient client, ConcurrentDictionary<(int Client, int Seq), byte> acked, CancellationToken cancel)
    {
        for (int c = 0; c < Clients; c++)
        {
            string home = $"/crash/c{c}";
            IReadOnlyList<string> present = await client.DirectoryAsync(home, cancel);
            foreach (string name in present.Where(n => n.StartsWith('t')))
            {
                // A transaction writes a, b and c with the same value: all or nothing.
                string seq = name[1..];
                IReadOnlyList<string> parts = await client.DirectoryAsync($"{home}/{name}", cancel);
                Assert.Equal(["a", "b", "c"], parts);
                foreach (string part in parts)
                {
                    Assert.Equal(seq, await client.ReadStringAsync($"{home}/{name}/{part}", cancel));
                }
            }

            int newest = -1;
            foreach ((_, int seq) in acked.Keys.Where(k => k.Client == c))
            {
                Assert.Contains($"t{seq}", present);
                newest = Math.Max(newest, seq);
            }

            if (newest >= 0)
            {
                // "last" is written by every transaction: at least the newest acknowledged one, and a whole one.
                string last = await client.ReadStringAsync($"{home}/last", cancel);
                Assert.True(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture) >= newest, $"{home}/last is {last}, older than acknowledged {newest}");
                Assert.Contains($"t{last}", present);
            }
        }
    }

    private async Task WriteUntilLostAsync(int c, int round, ConcurrentDictionary<(int Client, int Seq), byte> acked, CancellationToken stop)
    {
        try
        {
            await using StoreClient client = await StoreClient.ConnectAsync(Socket, stop);
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                int seq = (round * 1_000_000) + i;
                string text = seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await client.RunTransactionAsync(
                    async tx =>
                    {
                        foreach (string part in Parts)
                        {
                            await tx.WriteAsync($"/crash/c{c}/t{seq}/{part}", text, stop);
                        }

                        await tx.WriteAsync($"/crash/c{c}/last", text, stop);
                    },
                    cancellationToken: stop);
                acked.TryAdd((c, seq), 0);
            }
        }
        catch (Exception e) when (e is StoreConnectionLostException or System.Net.Sockets.SocketException or OperationCanceledException or StoreException)
        {
            // The server was killed: whatever was acknowledged must have survived.
        }
    }

    private PassageProcess StartServer()
    {
        PassageProcess server = PassageProcess.Start("store", "serve", "--socket", Socket, "--db", Database);
        server.WaitForError("store serving on", Patience);
        return server;
    }
}
