using System.Globalization;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Engine;

/// <summary>Requests from many threads at once: the engine lock keeps every request whole.</summary>
public sealed class StoreEngineConcurrencyTests
{
    [Fact]
    public async Task Attach_ConcurrentRetryingTransactions_NoDeviceLost()
    {
        using var engine = new StoreEngine(new MemoryPersistence());
        const string Base = "/local/domain/0/backend/pci/5/0";
        const int Attachers = 4;
        const int DevicesEach = 25;
        using (var setup = new TestClient(engine, 0))
        {
            setup.Write(Base + "/num_devs", "0");
        }

        int retries = 0;
        Task[] attachers = [.. Enumerable.Range(0, Attachers).Select(a => Task.Run(() =>
        {
            using var client = new TestClient(engine, 0);
            for (int d = 0; d < DevicesEach; d++)
            {
                while (true)
                {
                    // Everything read inside the transaction, nothing carried over from a failed attempt.
                    uint tx = client.Start();
                    int count = int.Parse(client.Read(Base + "/num_devs", tx), CultureInfo.InvariantCulture);
                    client.Write($"{Base}/dev-{count}", $"{a}-{d}", tx);
                    client.Write(Base + "/num_devs", (count + 1).ToString(CultureInfo.InvariantCulture), tx);
                    StoreError result = client.Commit(tx);
                    if (result == StoreError.None)
                    {
                        break;
                    }

                    Assert.Equal(StoreError.EAGAIN, result);
                    Interlocked.Increment(ref retries);
                }
            }
        }, TestContext.Current.CancellationToken))];
        await Task.WhenAll(attachers);

        using var check = new TestClient(engine, 0);
        Assert.Equal((Attachers * DevicesEach).ToString(CultureInfo.InvariantCulture), check.Read(Base + "/num_devs"));
        var devices = Enumerable.Range(0, Attachers * DevicesEach).Select(i => check.Read($"{Base}/dev-{i}")).ToHashSet();
        Assert.Equal(Attachers * DevicesEach, devices.Count);
        Assert.Equal(0, engine.OpenTransactions);
        Assert.Equal(0, engine.Tree.VersionedPaths);
        Assert.Equal("OK|", check.Call(XsMessageType.Control, "check").Text);
    }

    [Fact]
    public async Task Handle_ManyThreadsWritingAndWatching_TreeSoundAndEveryEventDelivered()
    {
        using var engine = new StoreEngine(new MemoryPersistence());
        using var watcher = new TestClient(engine, 0);
        watcher.Watch("/c", "t");
        watcher.Sink.Take();

        Task[] writers = [.. Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            using var client = new TestClient(engine, 0);
            for (int i = 0; i < 200; i++)
            {
                client.Write($"/c/{w}/{i}", "v");
                Assert.Equal("v", client.Read($"/c/{w}/{i}"));
            }
        }, TestContext.Current.CancellationToken))];
        await Task.WhenAll(writers);

        Assert.Equal(800, watcher.Sink.Events.Count);
        Assert.Equal(200, watcher.Directory("/c/3").Length);
        Assert.Equal("OK|", watcher.Call(XsMessageType.Control, "check").Text);
    }
}
