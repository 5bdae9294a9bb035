using Passage.Store.Client;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Server;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.EndToEnd;

/// <summary>
/// The whole store as a toolstack and its guests meet it: <c>StoreClient</c>s over the real socket
/// (dom0) and in-process connections (domain N) against <c>StoreServer</c> + <c>StoreEngine</c>, in
/// memory or on SQLite.
/// </summary>
public sealed class StoreEndToEndTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task InProcessDomain_OwnAndForeignNodes_WritesItsOwnReadsBackendDeniedElsewhere()
    {
        using var engine = new StoreEngine(new MemoryPersistence());
        await using StoreServer server = await StoreServer.StartAsync(engine, _directory.File("xs.sock"), cancellationToken: Token);
        await using StoreClient dom0 = await StoreClient.ConnectAsync(server.SocketPath, Token);
        await dom0.WriteAsync("/local/domain/5/device/pci/0/state", "1", Token);
        await dom0.SetPermissionsAsync("/local/domain/5", ["n5", "r0"], Token);
        await dom0.SetPermissionsAsync("/local/domain/5/device", ["n5", "r0"], Token);
        await dom0.SetPermissionsAsync("/local/domain/5/device/pci", ["n5", "r0"], Token);
        await dom0.SetPermissionsAsync("/local/domain/5/device/pci/0", ["n5", "r0"], Token);
        await dom0.SetPermissionsAsync("/local/domain/5/device/pci/0/state", ["n5", "r0"], Token);
        await dom0.WriteAsync("/local/domain/0/backend/pci/5/0/state", "2", Token);
        await dom0.SetPermissionsAsync("/local/domain/0/backend/pci/5/0/state", ["n0", "r5"], Token);
        await dom0.WriteAsync("/local/domain/6/secret", "x", Token);
        await using StoreClient dom5 = StoreClient.Connect(server.ConnectInProcess(5));

        await dom5.WriteAsync("device/pci/0/state", "3", Token); // relative to /local/domain/5
        string backendState = await dom5.ReadStringAsync("/local/domain/0/backend/pci/5/0/state", Token);
        StoreException write = await Assert.ThrowsAsync<StoreException>(() => dom5.WriteAsync("/local/domain/0/backend/pci/5/0/state", "4", Token));
        StoreException read = await Assert.ThrowsAsync<StoreException>(() => dom5.ReadAsync("/local/domain/6/secret", Token));
        StoreException chown = await Assert.ThrowsAsync<StoreException>(() => dom5.SetPermissionsAsync("/local/domain/5/device/pci/0/state", ["n6"], Token));

        Assert.Equal("3", await dom0.ReadStringAsync("/local/domain/5/device/pci/0/state", Token));
        Assert.Equal("2", backendState);
        Assert.Equal(StoreError.EACCES, write.Error);
        Assert.Equal(StoreError.EACCES, read.Error);
        Assert.Equal(StoreError.EPERM, chown.Error);
        Assert.Equal(["n5", "r0"], await dom0.GetPermissionsAsync("/local/domain/5/device/pci/0/state", Token));
    }

    [Fact]
    public async Task WatchAsync_OtherClientWrites_EventStreamCarriesRegistrationThenChange()
    {
        using var engine = new StoreEngine(new MemoryPersistence());
        await using StoreServer server = await StoreServer.StartAsync(engine, _directory.File("xs.sock"), cancellationToken: Token);
        await using StoreClient watcher = await StoreClient.ConnectAsync(server.SocketPath, Token);
        await using StoreClient writer = await StoreClient.ConnectAsync(server.SocketPath, Token);
        await using IAsyncEnumerator<WatchEvent> events = watcher.WatchEventsAsync(Token).GetAsyncEnumerator(Token);

        await watcher.WatchAsync("/backend", "be", Token);
        Assert.True(await events.MoveNextAsync());
        WatchEvent registration = events.Current;
        await writer.WriteAsync("/backend/pci/1/state", "4", Token);
        Assert.True(await events.MoveNextAsync());

        Assert.Equal(new WatchEvent("/backend", "be"), registration);
        Assert.Equal(new WatchEvent("/backend/pci/1/state", "be"), events.Current);
    }

    [Fact]
    public async Task CommitAsync_TwoClientsReadAndWriteOneNode_SecondConflicts()
    {
        using var engine = new StoreEngine(new MemoryPersistence());
        await using StoreServer server = await StoreServer.StartAsync(engine, _directory.File("xs.sock"), cancellationToken: Token);
        await using StoreClient a = await StoreClient.ConnectAsync(server.SocketPath, Token);
        await using StoreClient b = await StoreClient.ConnectAsync(server.SocketPath, Token);
        await a.WriteAsync("/vm/num_devs", "0", Token);

        StoreTransaction ta = await a.StartTransactionAsync(Token);
        StoreTransaction tb = await b.StartTransactionAsync(Token);
        string seenA = await ta.ReadStringAsync("/vm/num_devs", Token);
        string seenB = await tb.ReadStringAsync("/vm/num_devs", Token);
        await ta.WriteAsync("/vm/num_devs", "1", Token);
        await tb.WriteAsync("/vm/num_devs", "1", Token);
        bool first = await ta.CommitAsync(Token);
        bool second = await tb.CommitAsync(Token);

        Assert.Equal(("0", "0"), (seenA, seenB));
        Assert.True(first);
        Assert.False(second);
        Assert.Equal("1", await a.ReadStringAsync("/vm/num_devs", Token));
    }

    [Fact]
    public async Task Restart_OnTheSameDatabase_AcknowledgedWritesTransactionsAndPermissionsBack()
    {
        string db = _directory.File("store.db");
        using (var engine = new StoreEngine(SqlitePersistence.Open(db)))
        await using (StoreServer server = await StoreServer.StartAsync(engine, _directory.File("xs.sock"), cancellationToken: Token))
        {
            await using StoreClient client = await StoreClient.ConnectAsync(server.SocketPath, Token);
            await client.WriteAsync("/vm/1/name", "guest", Token);
            await client.RunTransactionAsync(
                async tx =>
                {
                    await tx.WriteAsync("/vm/1/device/0", "0000:03:00.0", Token);
                    await tx.WriteAsync("/vm/1/num_devs", "1", Token);
                },
                cancellationToken: Token);
            await client.SetPermissionsAsync("/vm/1", ["n0", "r1"], Token);
            await client.RemoveAsync("/vm/1/name", Token);
        }

        using (var engine = new StoreEngine(SqlitePersistence.Open(db)))
        await using (StoreServer server = await StoreServer.StartAsync(engine, _directory.File("xs.sock"), cancellationToken: Token))
        {
            await using StoreClient client = await StoreClient.ConnectAsync(server.SocketPath, Token);

            Assert.Equal(["device", "num_devs"], await client.DirectoryAsync("/vm/1", Token));
            Assert.Equal("0000:03:00.0", await client.ReadStringAsync("/vm/1/device/0", Token));
            Assert.Equal("1", await client.ReadStringAsync("/vm/1/num_devs", Token));
            Assert.Equal(["n0", "r1"], await client.GetPermissionsAsync("/vm/1", Token));
        }
    }
}
