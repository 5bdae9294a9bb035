using System.Net.Sockets;
using System.Text;
using Passage.Store.Protocol;
using Passage.Store.Server;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Server;

public sealed class StoreServerTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeStoreService _store = new();
    private readonly RecordingLoggerFactory _log = new();

    // Event ids of the server's log lines the tests look for.
    private const int PayloadTooLargeLine = 3;
    private const int EventsNotReadLine = 4;
    private const int FailedLine = 8;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task Serve_PipelinedRequestsInOneWrite_RepliesInOrderWithTheirIds(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection client = await ConnectAsync(server, socket);

        await client.SendAsync(
            [
                .. Frames.Build(XsMessageType.Write, 11, 0, "/a\0value"u8),
                .. Frames.Build(XsMessageType.Read, 12, 0, "/a\0"u8),
                .. Frames.Build(XsMessageType.Read, 13, 0, "/missing\0"u8),
                .. Frames.HeaderOnly(XsMessageType.Restrict, 14, 0, 0),
            ],
            Token);

        await AssertFrameAsync(client, XsMessageType.Write, 11, "OK\0");
        await AssertFrameAsync(client, XsMessageType.Read, 12, "value");
        await AssertFrameAsync(client, XsMessageType.Error, 13, "ENOENT\0");
        await AssertFrameAsync(client, XsMessageType.Error, 14, "ENOSYS\0");
        Assert.Equal([0], _store.Opened);
    }

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task Serve_ReplyToAWriteNotYetDurable_SentOnlyOnceDurable(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection client = await ConnectAsync(server, socket);
        _store.HoldDurability();

        await client.SendAsync([.. Frames.Build(XsMessageType.Write, 1, 0, "/d\0v"u8), .. Frames.Build(XsMessageType.Read, 2, 0, "/d\0"u8)], Token);
        long held = await _store.FirstHeldWait.Task.WaitAsync(TimeSpan.FromSeconds(60), Token);

        // The connection is waiting for the ticket: neither the write's reply nor the read's behind it went out.
        Assert.Equal(1, held);
        Assert.False(client.HasBytesWaiting());

        _store.MakeDurable();
        await AssertFrameAsync(client, XsMessageType.Write, 1, "OK\0");
        await AssertFrameAsync(client, XsMessageType.Read, 2, "v");
    }

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task Serve_PayloadOverLimit_ClosesThatConnectionAfterEarlierRepliesOthersKeepWorking(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection offender = await ConnectAsync(server, socket);
        await using WireConnection bystander = await ConnectAsync(server, socket);

        await offender.SendAsync([.. Frames.Build(XsMessageType.Write, 1, 0, "/x\0v"u8), .. Frames.HeaderOnly(XsMessageType.Write, 2, 0, XsHeader.MaxPayload + 1)], Token);

        await AssertFrameAsync(offender, XsMessageType.Write, 1, "OK\0");
        Assert.Null(await offender.ReadFrameAsync(Token));
        await bystander.SendAsync(Frames.Build(XsMessageType.Read, 5, 0, "/x\0"u8), Token);
        await AssertFrameAsync(bystander, XsMessageType.Read, 5, "v");
        Assert.True(await Eventually.TrueAsync(() => _store.Disposed == 1, Token));
        Assert.Contains(_log.Lines, line => line.Id.Id == PayloadTooLargeLine && line.Message.Contains("4097 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_PayloadAtLimit_Answered()
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection client = await ConnectAsync(server, socket: true);
        byte[] payload = new byte[XsHeader.MaxPayload];
        "/big\0"u8.CopyTo(payload);

        await client.SendAsync(Frames.Build(XsMessageType.Write, 3, 0, payload), Token);

        await AssertFrameAsync(client, XsMessageType.Write, 3, "OK\0");
    }

    [Fact]
    public async Task Serve_GarbageBytes_ClosesOnlyThatConnection()
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection garbage = await ConnectAsync(server, socket: true);
        await using WireConnection bystander = await ConnectAsync(server, socket: true);

        await garbage.SendAsync(Enumerable.Repeat((byte)0xFF, 40).ToArray(), Token);

        Assert.Null(await garbage.ReadFrameAsync(Token));
        await bystander.SendAsync(Frames.Build(XsMessageType.Write, 1, 0, "/ok\0fine"u8), Token);
        await AssertFrameAsync(bystander, XsMessageType.Write, 1, "OK\0");
    }

    [Fact]
    public async Task Serve_ClientVanishesMidFrame_SessionDisposedOthersUnaffected()
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection bystander = await ConnectAsync(server, socket: true);
        byte[] frame = Frames.Build(XsMessageType.Write, 1, 0, "/half\0value"u8);
        using (Socket vanishing = await WireConnection.ConnectSocketAsync(server.SocketPath, Token))
        {
            await vanishing.SendAsync(frame.AsMemory(0, 20), SocketFlags.None, Token);
        }

        Assert.True(await Eventually.TrueAsync(() => _store.Disposed == 1 && server.ConnectionCount == 1, Token));
        await bystander.SendAsync(Frames.Build(XsMessageType.Read, 2, 0, "/half\0"u8), Token);
        await AssertFrameAsync(bystander, XsMessageType.Error, 2, "ENOENT\0");
    }

    [Fact]
    public async Task Serve_HandlerThrows_ClosesOnlyThatConnection()
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection failing = await ConnectAsync(server, socket: true);
        await using WireConnection bystander = await ConnectAsync(server, socket: true);

        await failing.SendAsync(Frames.Build(XsMessageType.Read, 1, 0, "/throw\0"u8), Token);

        Assert.Null(await failing.ReadFrameAsync(Token));
        Assert.True(await Eventually.TrueAsync(() => _log.Logged(FailedLine), Token));
        await bystander.SendAsync(Frames.Build(XsMessageType.Write, 2, 0, "/still\0up"u8), Token);
        await AssertFrameAsync(bystander, XsMessageType.Write, 2, "OK\0");
    }

    [Theory]
    [InlineData(true)] // over a real Unix socket
    [InlineData(false)] // over an in-process connection
    public async Task Serve_WatchThenOtherConnectionWrites_InitialEventThenChangeEventWithZeroIds(bool socket)
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection watcher = await ConnectAsync(server, socket);
        await using WireConnection writer = await ConnectAsync(server, socket);

        await watcher.SendAsync(Frames.Build(XsMessageType.Watch, 7, 3, "/w\0tok\0"u8), Token);
        await AssertFrameAsync(watcher, XsMessageType.Watch, 7, "OK\0", transactionId: 3);
        await AssertFrameAsync(watcher, XsMessageType.WatchEvent, 0, "/w\0tok\0");
        await writer.SendAsync(Frames.Build(XsMessageType.Write, 1, 0, "/w/x\0v"u8), Token);
        await AssertFrameAsync(writer, XsMessageType.Write, 1, "OK\0");

        await AssertFrameAsync(watcher, XsMessageType.WatchEvent, 0, "/w/x\0tok\0");
    }

    [Theory]
    [InlineData(true)] // the silent watcher on a real Unix socket
    [InlineData(false)] // the silent watcher in-process
    public async Task Serve_WatcherNeverReadsDuringEventStorm_WriterNeverStallsAndWatcherIsClosed(bool socket)
    {
        await using StoreServer server = await StartAsync(new StoreServerOptions { MaxQueuedEventBytes = 64 * 1024, ConnectionBufferBytes = 16 * 1024 });
        await using WireConnection silent = await ConnectAsync(server, socket);
        await using WireConnection writer = await ConnectAsync(server, socket: true);
        await silent.SendAsync(Frames.Build(XsMessageType.Watch, 1, 0, "/storm\0tok\0"u8), Token);
        Assert.True(await Eventually.TrueAsync(() => _store.Opened.Count == 2, Token));
        await writer.SendAsync(Frames.Build(XsMessageType.Watch, 1, 0, "/unrelated\0t\0"u8), Token);
        await AssertFrameAsync(writer, XsMessageType.Watch, 1, "OK\0"); // the silent watcher's WATCH was handled before: same store, earlier request
        await AssertFrameAsync(writer, XsMessageType.WatchEvent, 0, "/unrelated\0t\0");

        // Each event about 230 bytes: far more than the socket, pipe and queue hold together.
        string path = "/storm/" + new string('x', 200);
        int written = 0;
        while (_store.Disposed == 0 && written < 100_000)
        {
            written++;
            await writer.SendAsync(Frames.Build(XsMessageType.Write, (uint)written, 0, Encoding.ASCII.GetBytes(path + "\0v")), Token);
            await AssertFrameAsync(writer, XsMessageType.Write, (uint)written, "OK\0");
        }

        Assert.Equal(1, _store.Disposed);
        Assert.True(written < 100_000, "the silent watcher was never closed");
        Assert.True(await Eventually.TrueAsync(() => _log.Logged(EventsNotReadLine), Token));
        Assert.True(await Eventually.TrueAsync(() => server.ConnectionCount == 1, Token));
        await writer.SendAsync(Frames.Build(XsMessageType.Read, 1, 0, Encoding.ASCII.GetBytes(path + "\0")), Token);
        await AssertFrameAsync(writer, XsMessageType.Read, 1, "v");
    }

    [Fact]
    public async Task Serve_SixtyFourConcurrentConnections_EachServedAsDom0()
    {
        await using StoreServer server = await StartAsync();
        WireConnection[] clients = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => WireConnection.ConnectAsync(server.SocketPath, Token)));
        try
        {
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                for (uint round = 1; round <= 20; round++)
                {
                    byte[] path = Encoding.ASCII.GetBytes($"/c/{i}");
                    await client.SendAsync([.. Frames.Build(XsMessageType.Write, round * 2, 0, [.. path, 0, .. Encoding.ASCII.GetBytes($"{i}-{round}")]), .. Frames.Build(XsMessageType.Read, (round * 2) + 1, 0, [.. path, 0])], Token);
                    await AssertFrameAsync(client, XsMessageType.Write, round * 2, "OK\0");
                    await AssertFrameAsync(client, XsMessageType.Read, (round * 2) + 1, $"{i}-{round}");
                }
            }));

            Assert.Equal(64, _store.Opened.Count);
            Assert.All(_store.Opened, domain => Assert.Equal(0, domain));
            Assert.Equal(64, server.ConnectionCount);
        }
        finally
        {
            foreach (WireConnection client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ConnectInProcess_DomainFive_SessionSpeaksForFive()
    {
        await using StoreServer server = await StartAsync();
        await using WireConnection guest = WireConnection.Over(server.ConnectInProcess(5));

        await guest.SendAsync(Frames.Build(XsMessageType.Write, 1, 0, "/g\0v"u8), Token);

        await AssertFrameAsync(guest, XsMessageType.Write, 1, "OK\0");
        Assert.Equal([5], _store.Opened);
    }

    [Fact]
    public async Task ConnectInProcess_WithoutServer_ServesAsDomain()
    {
        await using WireConnection guest = WireConnection.Over(StoreServer.ConnectInProcess(_store, 9));

        await guest.SendAsync(Frames.Build(XsMessageType.Read, 4, 0, "/none\0"u8), Token);

        await AssertFrameAsync(guest, XsMessageType.Error, 4, "ENOENT\0");
        Assert.Equal([9], _store.Opened);
    }

    [Fact]
    public async Task Serve_ClientCloses_SessionDisposed()
    {
        await using StoreServer server = await StartAsync();
        WireConnection client = await ConnectAsync(server, socket: true);
        await client.SendAsync(Frames.Build(XsMessageType.Read, 1, 0, "/n\0"u8), Token);
        await AssertFrameAsync(client, XsMessageType.Error, 1, "ENOENT\0");

        await client.DisposeAsync();

        Assert.True(await Eventually.TrueAsync(() => _store.Disposed == 1 && server.ConnectionCount == 0, Token));
    }

    [Fact]
    public async Task StartAsync_StaleSocketFile_ReplacedAndServing()
    {
        string path = _directory.File("sock");
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // Moved away from where it was bound, the file outlives the socket as a crashed server's would.
            stale.Bind(new UnixDomainSocketEndPoint(path + ".bound"));
            File.Move(path + ".bound", path);
        }

        Assert.True(File.Exists(path));

        await using StoreServer server = await StoreServer.StartAsync(_store, path, cancellationToken: Token);
        await using WireConnection client = await WireConnection.ConnectAsync(path, Token);
        await client.SendAsync(Frames.Build(XsMessageType.Write, 1, 0, "/s\0v"u8), Token);

        await AssertFrameAsync(client, XsMessageType.Write, 1, "OK\0");
    }

    [Fact]
    public async Task StartAsync_RegularFileAtPath_RefusesAndLeavesItAlone()
    {
        string path = _directory.File("sock");
        await File.WriteAllTextAsync(path, "keep me", Token);

        await Assert.ThrowsAsync<IOException>(() => StoreServer.StartAsync(_store, path, cancellationToken: Token));

        Assert.Equal("keep me", await File.ReadAllTextAsync(path, Token));
    }

    [Fact]
    public async Task StartAsync_ServerAlreadyListening_Refuses()
    {
        await using StoreServer first = await StartAsync();

        await Assert.ThrowsAsync<IOException>(() => StoreServer.StartAsync(new FakeStoreService(), first.SocketPath, cancellationToken: Token));

        await using WireConnection client = await WireConnection.ConnectAsync(first.SocketPath, Token);
        await client.SendAsync(Frames.Build(XsMessageType.Read, 1, 0, "/n\0"u8), Token);
        await AssertFrameAsync(client, XsMessageType.Error, 1, "ENOENT\0");
    }

    [Fact]
    public async Task StartAsync_SocketFile_Mode0600()
    {
        await using StoreServer server = await StartAsync();

        UnixFileMode mode = OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(server.SocketPath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task StopAsync_ConnectedClient_ClosedAndSocketFileRemoved()
    {
        StoreServer server = await StartAsync();
        await using WireConnection client = await ConnectAsync(server, socket: true);
        await client.SendAsync(Frames.Build(XsMessageType.Read, 1, 0, "/n\0"u8), Token);
        await AssertFrameAsync(client, XsMessageType.Error, 1, "ENOENT\0");

        await server.DisposeAsync();

        Assert.Null(await client.ReadFrameAsync(Token));
        Assert.False(File.Exists(server.SocketPath));
        Assert.Equal(1, _store.Disposed);
    }

    private static async Task AssertFrameAsync(WireConnection connection, XsMessageType type, uint requestId, string payload, uint transactionId = 0)
    {
        (XsHeader Header, byte[] Payload)? frame = await connection.ReadFrameAsync(Token);
        Assert.NotNull(frame);
        Assert.Equal(new XsHeader(type, requestId, transactionId, (uint)payload.Length), frame.Value.Header);
        Assert.Equal(payload, Encoding.UTF8.GetString(frame.Value.Payload));
    }

    private Task<StoreServer> StartAsync(StoreServerOptions? options = null) =>
        StoreServer.StartAsync(_store, _directory.File("xs.sock"), options, _log, Token);

    private static async Task<WireConnection> ConnectAsync(StoreServer server, bool socket) =>
        socket ? await WireConnection.ConnectAsync(server.SocketPath, Token) : WireConnection.Over(server.ConnectInProcess(0));
}
