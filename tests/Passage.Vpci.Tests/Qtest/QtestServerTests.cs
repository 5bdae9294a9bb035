using System.Net.Sockets;
using System.Text;
using Passage.Host.Linux;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;
using Passage.Vpci.Qtest;
using Passage.Vpci.Tests.Machine;

namespace Passage.Vpci.Tests.Qtest;

public sealed class QtestServerTests : IAsyncDisposable
{
    // Generous: a wait only ends early when the expected line arrives; never a timing assertion.
    private static readonly TimeSpan LineWait = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("passage-qtest-").FullName;
    private readonly VirtualMachine _vm = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly QtestServer _server;
    private readonly Task _serving;

    public QtestServerTests()
    {
        _server = new QtestServer(_vm, SocketPath);
        _server.Start();
        _serving = _server.RunAsync(_stop.Token);
    }

    private string SocketPath => Path.Combine(_directory, "qtest.sock");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _serving;
        _server.Dispose();
        _stop.Dispose();
        _vm.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RunAsync_TwoClients_ShareTheMachine()
    {
        using var first = await Client.ConnectAsync(SocketPath);
        using var second = await Client.ConnectAsync(SocketPath);

        string written = await first.AskAsync("writel 0x1000 0xfeed");
        string read = await second.AskAsync("readl 0x1000");

        Assert.Equal(("OK", "OK 0xfeed"), (written, read));
    }

    [Fact]
    public async Task RunAsync_GarbageClient_AnsweredErrAndOthersUndisturbed()
    {
        using var good = await Client.ConnectAsync(SocketPath);
        using var garbage = await Client.ConnectAsync(SocketPath);

        await garbage.SendRawAsync([0x00, 0xFF, 0xFE, 0x80, 0x0D, 0x01, 0x0A]);
        string garbageAnswer = await garbage.ReadLineAsync();
        string stillFine = await garbage.AskAsync("readl 0x0");
        string goodAnswer = await good.AskAsync("readb 0x0");

        Assert.StartsWith("ERR unknown command", garbageAnswer, StringComparison.Ordinal);
        Assert.Equal("OK 0x0", stillFine);
        Assert.Equal("OK 0x0", goodAnswer);
    }

    [Fact]
    public async Task RunAsync_OverlongLine_ErrThenClosedAndOthersUndisturbed()
    {
        using var good = await Client.ConnectAsync(SocketPath);
        using var flooder = await Client.ConnectAsync(SocketPath);

        await flooder.SendRawAsync(Encoding.ASCII.GetBytes(new string('a', QtestServer.MaxLineBytes + 10)));
        string answer = await flooder.ReadLineAsync();
        string? afterwards = await flooder.TryReadLineAsync();
        string goodAnswer = await good.AskAsync("writeb 0x0 0x1");

        Assert.StartsWith("ERR line longer than 65536 bytes", answer, StringComparison.Ordinal);
        Assert.Null(afterwards);
        Assert.Equal("OK", goodAnswer);
    }

    [Fact]
    public async Task RunAsync_ClientNeverReads_ClosedAndOthersUndisturbed()
    {
        using var good = await Client.ConnectAsync(SocketPath);
        using var deaf = await Client.ConnectAsync(SocketPath);
        // Far more answers than the socket buffers and the server's queue hold together.
        byte[] commands = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("readl 0\n", 200_000)));

        bool writeFailed = false;
        try
        {
            await deaf.SendRawAsync(commands);
        }
        catch (IOException)
        {
            writeFailed = true;
        }

        int answers = 0;
        while (await deaf.TryReadLineAsync() is not null)
        {
            answers++;
        }

        Assert.True(writeFailed || answers < 200_000, "the deaf client was served in full");
        Assert.Equal("OK 0x0", await good.AskAsync("readl 0x0"));
    }

    [Fact]
    public async Task RunAsync_CommandCausesAnMsi_LineBroadcastToEveryClient()
    {
        using EventFd doorbell = EventFd.Create();
        RouterSlot slot = _vm.Router.Attach(doorbell, new StubInterruptTarget(new MsiMessage(0xFEE0_0000, 0x52)), 0);
        try
        {
            _vm.Attach(new StubPciDevice { OnWrite = (_, _, _) => doorbell.Signal() }, 1);
            using var actor = await Client.ConnectAsync(SocketPath);
            using var watcher = await Client.ConnectAsync(SocketPath);
            // A round trip each: both sessions exist before the interrupt.
            await actor.AskAsync("readl 0x0");
            await watcher.AskAsync("readl 0x0");

            await actor.SendAsync("writel 0xe0008040 0x1");
            string[] actorLines = [await actor.ReadLineAsync(), await actor.ReadLineAsync()];
            string watcherLine = await watcher.ReadLineAsync();

            Assert.Equal(["MSI 0xfee00000 0x52", "OK"], actorLines);
            Assert.Equal("MSI 0xfee00000 0x52", watcherLine);
        }
        finally
        {
            _vm.Router.Detach(slot);
        }
    }

    [Fact]
    public async Task RunAsync_ClientHalfCloses_GetsEveryAnswer()
    {
        using var client = await Client.ConnectAsync(SocketPath);

        await client.SendRawAsync("writel 0x20 0x7\nreadl 0x20"u8.ToArray());
        client.ShutdownSend();

        Assert.Equal("OK", await client.ReadLineAsync());
        Assert.Equal("OK 0x7", await client.ReadLineAsync());
        Assert.Null(await client.TryReadLineAsync());
    }

    [Fact]
    public async Task RunAsync_Cancelled_ClosesClientsAndRemovesTheSocket()
    {
        string path = Path.Combine(_directory, "other.sock");
        using var server = new QtestServer(_vm, path);
        using var stop = new CancellationTokenSource();
        Task serving = server.RunAsync(stop.Token);
        using var client = await Client.ConnectAsync(path);
        Assert.Equal("OK 0x0", await client.AskAsync("readl 0x0"));

        await stop.CancelAsync();
        await serving;

        Assert.Null(await client.TryReadLineAsync());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Start_StaleFileAtThePath_ReplacedBySocket()
    {
        string path = Path.Combine(_directory, "stale.sock");
        File.WriteAllText(path, "left over");
        using var server = new QtestServer(_vm, path);

        server.Start();

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        probe.Connect(new UnixDomainSocketEndPoint(path));
        Assert.True(probe.Connected);
    }

    [Fact]
    public void Start_LiveServerAtThePath_Refused()
    {
        using var second = new QtestServer(_vm, SocketPath);

        Assert.Throws<IOException>(second.Start);
    }

    /// <summary>A line-oriented test client over a real Unix socket.</summary>
    private sealed class Client : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        private Client(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
            _reader = new StreamReader(_stream, Encoding.UTF8);
        }

        public static async Task<Client> ConnectAsync(string path)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
            return new Client(socket);
        }

        public async Task<string> AskAsync(string line)
        {
            await SendAsync(line);
            return await ReadLineAsync();
        }

        public Task SendAsync(string line) => SendRawAsync(Encoding.UTF8.GetBytes(line + "\n"));

        public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

        public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

        public async Task<string> ReadLineAsync() =>
            await TryReadLineAsync() ?? throw new InvalidOperationException("the server closed the connection");

        public async Task<string?> TryReadLineAsync()
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(LineWait);
            try
            {
                return await _reader.ReadLineAsync(timeout.Token);
            }
            catch (IOException)
            {
                // Reset by the server: closed as well.
                return null;
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _stream.Dispose();
        }
    }
}
