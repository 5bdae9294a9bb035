using System.IO.Pipelines;
using System.Text;
using Passage.Store.Client;
using Passage.Store.Protocol;
using Passage.Store.Server;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Client;

public sealed class StoreClientTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeStoreService _store = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task WriteAsync_ThenReadAsync_ValueBack(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket);

        await client.WriteAsync("/a/b", "v\0w", Token);
        await client.WriteAsync("/a/raw", new byte[] { 1, 0, 2 }, Token);

        Assert.Equal("v\0w", await client.ReadStringAsync("/a/b", Token));
        Assert.Equal(new byte[] { 1, 0, 2 }, await client.ReadAsync("/a/raw", Token));
        Assert.Equal(["b", "raw"], await client.DirectoryAsync("/a", Token));
    }

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task ReadAsync_MissingNode_StoreExceptionEnoent(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket);

        StoreException failure = await Assert.ThrowsAsync<StoreException>(() => client.ReadAsync("/missing", Token));

        Assert.Equal(StoreError.ENOENT, failure.Error);
    }

    [Fact]
    public async Task SendAsync_ManyCallersAtOnce_EachGetsItsOwnReply()
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: true);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.WriteAsync($"/p/{i}", $"value-{i}", Token)));
        string[] read = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.ReadStringAsync($"/p/{i}", Token)));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"value-{i}"), read);
    }

    [Fact]
    public async Task SendAsync_RepliesOutOfOrder_MatchedByRequestId()
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        await using WireConnection peer = WireConnection.Over(serverEnd);
        await using StoreClient client = StoreClient.Connect(clientEnd);

        Task<string> first = client.ReadStringAsync("/first", Token);
        (XsHeader Header, byte[] Payload)? firstRequest = await peer.ReadFrameAsync(Token);
        Task<string> second = client.ReadStringAsync("/second", Token);
        (XsHeader Header, byte[] Payload)? secondRequest = await peer.ReadFrameAsync(Token);
        await peer.SendAsync(Frames.Build(XsMessageType.Read, secondRequest!.Value.Header.RequestId, 0, "two"u8), Token);
        await peer.SendAsync(Frames.Build(XsMessageType.Read, firstRequest!.Value.Header.RequestId, 0, "one"u8), Token);

        Assert.Equal("one", await first);
        Assert.Equal("two", await second);
        Assert.NotEqual(firstRequest.Value.Header.RequestId, secondRequest.Value.Header.RequestId);
        Assert.Equal("/first\0", Encoding.UTF8.GetString(firstRequest.Value.Payload));
    }

    [Theory]
    [InlineData("EACCES\0", StoreError.EACCES)] // a listed name
    [InlineData("EPERM\0", StoreError.EPERM)] // the last listed name
    [InlineData("EQUOTA\0", StoreError.EINVAL)] // oxenstored's unlisted name reads as EINVAL
    [InlineData("ESOMETHINGNEW\0", StoreError.EINVAL)] // any unknown name reads as EINVAL
    public async Task RequestAsync_ErrorReply_StoreExceptionWithTheError(string name, StoreError expected)
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        await using WireConnection peer = WireConnection.Over(serverEnd);
        await using StoreClient client = StoreClient.Connect(clientEnd);

        Task write = client.WriteAsync("/x", "v", Token);
        (XsHeader Header, byte[] Payload)? request = await peer.ReadFrameAsync(Token);
        await peer.SendAsync(Frames.Build(XsMessageType.Error, request!.Value.Header.RequestId, 0, Encoding.ASCII.GetBytes(name)), Token);

        StoreException failure = await Assert.ThrowsAsync<StoreException>(() => write);
        Assert.Equal(expected, failure.Error);
    }

    [Fact]
    public async Task SendAsync_ConnectionLostWithRequestsWaiting_AllFailTypedAndLaterOnesToo()
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        WireConnection peer = WireConnection.Over(serverEnd);
        await using StoreClient client = StoreClient.Connect(clientEnd);
        Task[] waiting = [client.ReadAsync("/a", Token), client.WriteAsync("/b", "v", Token), client.StartTransactionAsync(Token)];
        for (int i = 0; i < waiting.Length; i++)
        {
            Assert.NotNull(await peer.ReadFrameAsync(Token));
        }

        await peer.DisposeAsync();

        foreach (Task request in waiting)
        {
            await Assert.ThrowsAsync<StoreConnectionLostException>(() => request);
        }

        await Assert.ThrowsAsync<StoreConnectionLostException>(() => client.ReadAsync("/c", Token));
    }

    [Fact]
    public async Task SendAsync_ServerStops_PendingAndEventStreamFailTyped()
    {
        StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: true);
        await client.WatchAsync("/w", "t", Token);

        await server.DisposeAsync();

        await Assert.ThrowsAsync<StoreConnectionLostException>(async () =>
        {
            await foreach (WatchEvent _ in client.WatchEventsAsync(Token))
            {
                // Drain the initial event; the stream then fails with the connection.
            }
        });
        await Assert.ThrowsAsync<StoreConnectionLostException>(() => client.ReadAsync("/w", Token));
    }

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task WatchEventsAsync_WatchThenAnotherClientWrites_InitialThenChangeEvent(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient watcher = await ConnectAsync(server, socket);
        await using StoreClient writer = await ConnectAsync(server, socket);
        await using IAsyncEnumerator<WatchEvent> events = watcher.WatchEventsAsync(Token).GetAsyncEnumerator(Token);

        await watcher.WatchAsync("/w", "tok", Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(new WatchEvent("/w", "tok"), events.Current);
        await writer.WriteAsync("/w/x", "v", Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(new WatchEvent("/w/x", "tok"), events.Current);

        await watcher.UnwatchAsync("/w", "tok", Token);
        StoreException again = await Assert.ThrowsAsync<StoreException>(() => watcher.UnwatchAsync("/w", "tok", Token));
        Assert.Equal(StoreError.ENOENT, again.Error);
    }

    [Fact]
    public async Task StartTransactionAsync_OperationsCarryItsId_CommitTrueAbortSent()
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: false);

        StoreTransaction first = await client.StartTransactionAsync(Token);
        await first.WriteAsync("/t", "1", Token);
        Assert.Equal("1", await first.ReadStringAsync("/t", Token));
        bool committed = await first.CommitAsync(Token);
        StoreTransaction second = await client.StartTransactionAsync(Token);
        await second.AbortAsync(Token);

        Assert.True(committed);
        Assert.Equal(1u, first.Id);
        Assert.Equal(2u, second.Id);
        Assert.Contains((XsMessageType.Write, 1u, "/t\01"), _store.Requests);
        Assert.Contains((XsMessageType.Read, 1u, "/t\0"), _store.Requests);
        Assert.Contains((XsMessageType.TransactionEnd, 1u, "T\0"), _store.Requests);
        Assert.Contains((XsMessageType.TransactionEnd, 2u, "F\0"), _store.Requests);
        Assert.Equal(1, _store.Commits);
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.CommitAsync(Token));
    }

    [Fact]
    public async Task CommitAsync_Eagain_False()
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: false);
        _store.ConflictsToAnswer = 1;

        StoreTransaction transaction = await client.StartTransactionAsync(Token);

        Assert.False(await transaction.CommitAsync(Token));
        Assert.True(transaction.IsEnded);
        Assert.Equal(0, _store.Commits);
    }

    [Fact]
    public async Task RunTransactionAsync_FirstCommitConflicts_WholeBodyRerunInANewTransaction()
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: true);
        await using StoreClient rival = await ConnectAsync(server, socket: true);
        await client.WriteAsync("/num", "0", Token);
        _store.ConflictsToAnswer = 1;
        var seen = new List<uint>();

        string result = await client.RunTransactionAsync(
            async transaction =>
            {
                seen.Add(transaction.Id);
                int number = int.Parse(await transaction.ReadStringAsync("/num", Token), System.Globalization.CultureInfo.InvariantCulture);
                if (seen.Count == 1)
                {
                    // Another attach lands after this one read num_devs: the commit conflicts.
                    await rival.WriteAsync("/num", "5", Token);
                }

                await transaction.WriteAsync($"/dev-{number}", "attached", Token);
                await transaction.WriteAsync("/num", $"{number + 1}", Token);
                return $"dev-{number}";
            },
            cancellationToken: Token);

        // The rerun read the rival's count: the value of the first attempt was not reused.
        Assert.Equal("dev-5", result);
        Assert.Equal([1u, 2u], seen);
        Assert.Equal(1, _store.Commits);
        // Both attempts read inside their own transaction: nothing was carried over.
        Assert.Equal([1u, 2u], _store.Requests.Where(r => r.Type == XsMessageType.Read).Select(r => r.TransactionId));
        Assert.Equal(2, _store.Requests.Count(r => r.Type == XsMessageType.TransactionEnd && r.Payload == "T\0"));
        Assert.Equal("6", await client.ReadStringAsync("/num", Token));
        Assert.Equal("attached", await client.ReadStringAsync("/dev-5", Token));
        await Assert.ThrowsAsync<StoreException>(() => client.ReadAsync("/dev-0", Token));
    }

    [Fact]
    public async Task RunTransactionAsync_EveryCommitConflicts_GivesUpAfterTheBoundWithEagain()
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: false);
        _store.ConflictsToAnswer = 100;
        int runs = 0;

        StoreException failure = await Assert.ThrowsAsync<StoreException>(() => client.RunTransactionAsync(
            _ =>
            {
                runs++;
                return Task.CompletedTask;
            },
            maxAttempts: 3,
            cancellationToken: Token));

        Assert.Equal(StoreError.EAGAIN, failure.Error);
        Assert.Equal(3, runs);
        Assert.Equal(3, _store.TransactionsStarted);
        Assert.Equal(97, _store.ConflictsToAnswer);
    }

    [Fact]
    public async Task RunTransactionAsync_BodyThrows_AbortedAndExceptionPassesOn()
    {
        await using StoreServer server = await StartAsync();
        await using StoreClient client = await ConnectAsync(server, socket: false);
        int runs = 0;

        await Assert.ThrowsAsync<InvalidDataException>(() => client.RunTransactionAsync(
            async transaction =>
            {
                runs++;
                await transaction.WriteAsync("/x", "v", Token);
                throw new InvalidDataException("the body failed");
            },
            cancellationToken: Token));

        Assert.Equal(1, runs);
        Assert.Contains((XsMessageType.TransactionEnd, 1u, "F\0"), _store.Requests);
        Assert.Equal(0, _store.Commits);
    }

    [Fact]
    public async Task TypedOperations_RequestBytesAndReplyParsing_AsTheSpecSays()
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        await using WireConnection peer = WireConnection.Over(serverEnd);
        await using StoreClient client = StoreClient.Connect(clientEnd);

        await ExpectAsync(peer, client.MkdirAsync("/m", Token), XsMessageType.Mkdir, "/m\0", "OK\0");
        await ExpectAsync(peer, client.RemoveAsync("/m", Token), XsMessageType.Rm, "/m\0", "OK\0");
        await ExpectAsync(peer, client.SetPermissionsAsync("/p", ["n0", "r5"], Token), XsMessageType.SetPerms, "/p\0n0\0r5\0", "OK\0");
        Assert.Equal(["n0", "r5", "b7"], await ExpectAsync(peer, client.GetPermissionsAsync("/p", Token), XsMessageType.GetPerms, "/p\0", "n0\0r5\0b7\0"));
        Assert.Empty(await ExpectAsync(peer, client.DirectoryAsync("/leaf", Token), XsMessageType.Directory, "/leaf\0", ""));
        await ExpectAsync(peer, client.IntroduceAsync(5, 0x1234, 7, Token), XsMessageType.Introduce, "5\04660\07\0", "OK\0");
        await ExpectAsync(peer, client.ReleaseAsync(5, Token), XsMessageType.Release, "5\0", "OK\0");
        Assert.True(await ExpectAsync(peer, client.IsDomainIntroducedAsync(0, Token), XsMessageType.IsDomainIntroduced, "0\0", "T\0"));
        Assert.False(await ExpectAsync(peer, client.IsDomainIntroducedAsync(6, Token), XsMessageType.IsDomainIntroduced, "6\0", "F\0"));
        Assert.Equal("/local/domain/5", await ExpectAsync(peer, client.GetDomainPathAsync(5, Token), XsMessageType.GetDomainPath, "5\0", "/local/domain/5\0"));
        await ExpectAsync(peer, client.SetTargetAsync(3, 5, Token), XsMessageType.SetTarget, "3\05\0", "OK\0");
        await ExpectAsync(peer, client.ResetWatchesAsync(Token), XsMessageType.ResetWatches, "\0", "OK\0");
        await ExpectAsync(peer, client.WatchAsync("rel/w", "t", Token), XsMessageType.Watch, "rel/w\0t\0", "OK\0");
        StoreTransaction transaction = await ExpectAsync(peer, client.StartTransactionAsync(Token), XsMessageType.TransactionStart, "\0", "42\0");
        Assert.Equal(42u, transaction.Id);
        StoreReply raw = await ExpectAsync(peer, client.SendAsync(XsMessageType.Restrict, 9, "x\0"u8.ToArray(), Token), XsMessageType.Restrict, "x\0", "ENOSYS\0", XsMessageType.Error);
        Assert.Equal(StoreError.ENOSYS, raw.Error);
    }

    [Fact]
    public async Task IsDomainIntroducedAsync_NeitherTNorF_StoreExceptionEio()
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        await using WireConnection peer = WireConnection.Over(serverEnd);
        await using StoreClient client = StoreClient.Connect(clientEnd);

        StoreException failure = await Assert.ThrowsAsync<StoreException>(() => ExpectAsync(peer, client.IsDomainIntroducedAsync(1, Token), XsMessageType.IsDomainIntroduced, "1\0", "maybe\0"));

        Assert.Equal(StoreError.EIO, failure.Error);
    }

    [Fact]
    public async Task SendAsync_PayloadOverLimit_ArgumentExceptionNothingSent()
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        await using WireConnection peer = WireConnection.Over(serverEnd);
        await using StoreClient client = StoreClient.Connect(clientEnd);

        await Assert.ThrowsAsync<ArgumentException>(() => client.WriteAsync("/big", new byte[XsHeader.MaxPayload], Token));

        Assert.False(peer.HasBytesWaiting());
    }

    [Fact]
    public async Task DisposeAsync_RequestWaiting_FailsTypedAndEventStreamEnds()
    {
        (IDuplexPipe serverEnd, IDuplexPipe clientEnd) = Pair();
        await using WireConnection peer = WireConnection.Over(serverEnd);
        StoreClient client = StoreClient.Connect(clientEnd);
        Task read = client.ReadAsync("/never-answered", Token);
        Assert.NotNull(await peer.ReadFrameAsync(Token));

        await client.DisposeAsync();

        await Assert.ThrowsAsync<StoreConnectionLostException>(() => read);
        int events = 0;
        await foreach (WatchEvent _ in client.WatchEventsAsync(Token))
        {
            events++;
        }

        Assert.Equal(0, events);
        Assert.Null(await peer.ReadFrameAsync(Token));
    }

    private static async Task<T> ExpectAsync<T>(WireConnection peer, Task<T> operation, XsMessageType type, string request, string reply, XsMessageType? replyType = null)
    {
        await ExpectRequestAsync(peer, type, request, reply, replyType);
        return await operation;
    }

    private static async Task ExpectAsync(WireConnection peer, Task operation, XsMessageType type, string request, string reply)
    {
        await ExpectRequestAsync(peer, type, request, reply, null);
        await operation;
    }

    private static async Task ExpectRequestAsync(WireConnection peer, XsMessageType type, string request, string reply, XsMessageType? replyType)
    {
        (XsHeader Header, byte[] Payload)? frame = await peer.ReadFrameAsync(Token);
        Assert.NotNull(frame);
        Assert.Equal(type, frame.Value.Header.Type);
        Assert.Equal(request, Encoding.UTF8.GetString(frame.Value.Payload));
        await peer.SendAsync(Frames.Build(replyType ?? type, frame.Value.Header.RequestId, frame.Value.Header.TransactionId, Encoding.UTF8.GetBytes(reply)), Token);
    }

    private static (IDuplexPipe Server, IDuplexPipe Client) Pair() => DuplexPipe.CreatePair(64 * 1024);

    private Task<StoreServer> StartAsync() => StoreServer.StartAsync(_store, _directory.File("xs.sock"), cancellationToken: Token);

    private static async Task<StoreClient> ConnectAsync(StoreServer server, bool socket) =>
        socket ? await StoreClient.ConnectAsync(server.SocketPath, Token) : StoreClient.Connect(server.ConnectInProcess(0));
}
