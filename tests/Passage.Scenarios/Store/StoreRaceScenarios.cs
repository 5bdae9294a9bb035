using Passage.Scenarios.Harness;
using Passage.Store;
using Passage.Store.Client;

namespace Passage.Scenarios.Store;

/// <summary>
/// The libxl attach race (seed 002) over the real socket: concurrent "attach" functions that read
/// <c>num_devs</c> and add <c>dev-N</c> inside the retrying transaction helper never lose a device.
/// </summary>
public sealed class StoreRaceScenarios : IDisposable
{
    private const string Backend = "/local/domain/0/backend/pci/7/0";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("passage-xs-race-").FullName;
    private readonly PassageProcess _server;

    public StoreRaceScenarios()
    {
        _server = PassageProcess.Start("store", "serve", "--socket", Socket, "--memory");
        _server.WaitForError("store serving on", Patience);
    }

    private string Socket => Path.Combine(_directory, "socket");

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<int> NumDevsAsync(StoreTransaction tx, CancellationToken cancel)
    {
        try
        {
            return int.Parse(await tx.ReadStringAsync($"{Backend}/num_devs", cancel), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (StoreException e) when (e.Error == StoreError.ENOENT)
        {
            // The first attach creates the backend.
            return 0;
        }
    }

    [Fact]
    public async Task RunTransaction_ConcurrentAttachesReadingNumDevs_EveryDeviceKeptOnce()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        const int Attachers = 4, Each = 25;
        int attempts = 0;

        async Task AttachAllAsync(int who)
        {
            await using StoreClient client = await StoreClient.ConnectAsync(Socket, cancel);
            for (int i = 0; i < Each; i++)
            {
                string device = $"0000:0{who}:{i:x2}.0";
                await client.RunTransactionAsync(
                    async tx =>
                    {
                        Interlocked.Increment(ref attempts);

                        // Everything read inside the transaction, nothing carried over from outside.
                        int n = await NumDevsAsync(tx, cancel);
                        await tx.WriteAsync($"{Backend}/dev-{n}", device, cancel);
                        await tx.WriteAsync($"{Backend}/num_devs", (n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), cancel);
                    },
                    maxAttempts: 1000,
                    cancellationToken: cancel);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Attachers).Select(w => Task.Run(() => AttachAllAsync(w), cancel)));

        await using StoreClient reader = await StoreClient.ConnectAsync(Socket, cancel);
        Assert.Equal($"{Attachers * Each}", await reader.ReadStringAsync($"{Backend}/num_devs", cancel));
        var devices = new HashSet<string>();
        for (int n = 0; n < Attachers * Each; n++)
        {
            Assert.True(devices.Add(await reader.ReadStringAsync($"{Backend}/dev-{n}", cancel)), $"dev-{n} repeats a device");
        }

        Assert.Equal(Attachers * Each, devices.Count);
        Assert.True(attempts >= Attachers * Each, $"{attempts} attempts for {Attachers * Each} attaches");
    }
}
