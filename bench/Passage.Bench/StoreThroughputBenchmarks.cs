using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Passage.Store.Client;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Server;

namespace Passage.Bench;

/// <summary>
/// Store throughput over the real Unix socket: <see cref="Clients"/> <c>StoreClient</c>s, each
/// with one request in flight at a time (as C xenstored was measured), against a
/// <c>StoreServer</c> + <c>StoreEngine</c> in this process, in memory or on SQLite (every reply
/// waits for its change to be durable). A benchmark's time is per operation across all clients,
/// so operations per second = 10⁹ / mean ns. Floor: the same clients doing a bare ping-pong of a
/// 24-byte XenStore-sized frame with an echo server on a Unix socket — what two wake-ups cost.
/// 24 cases: 3 warm-up and 15 measured iterations each keep the whole class near ten minutes.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(15)]
public class StoreThroughputBenchmarks
{
    /// <summary>Operations per invocation, split across the clients.</summary>
    public const int Operations = 1600;

    private static readonly byte[] Value = "0000:03:00.0"u8.ToArray();

    private string? _directory;
    private StoreEngine? _engine;
    private StoreServer? _server;
    private StoreClient[] _clients = [];
    private Socket? _echoListener;
    private Socket[] _echoClients = [];
    private byte[][] _echoBuffers = [];

    /// <summary>Where committed state lives.</summary>
    public enum Durability
    {
        /// <summary><c>--memory</c>.</summary>
        Memory,

        /// <summary><c>--db FILE</c>: SQLite WAL, synchronous=NORMAL, group commit.</summary>
        Sqlite,
    }

    [Params(1, 2, 8)]
    public int Clients { get; set; }

    [Params(Durability.Memory, Durability.Sqlite)]
    public Durability Mode { get; set; }

    [GlobalSetup(Targets = [nameof(Write), nameof(Read), nameof(Transaction)])]
    public void SetupStore()
    {
        _directory = Directory.CreateTempSubdirectory("passage-bench-store-").FullName;
        IStorePersistence persistence = Mode == Durability.Memory ? new MemoryPersistence() : SqlitePersistence.Open(Path.Combine(_directory, "store.db"));
        _engine = new StoreEngine(persistence);
        string socket = Path.Combine(_directory, "socket");
        _server = StoreServer.StartAsync(_engine, socket).GetAwaiter().GetResult();
        _clients = [.. Enumerable.Range(0, Clients).Select(_ => StoreClient.ConnectAsync(socket).GetAwaiter().GetResult())];
        for (int c = 0; c < Clients; c++)
        {
            _clients[c].WriteAsync(Key(c), Value).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup(Targets = [nameof(Write), nameof(Read), nameof(Transaction)])]
    public void CleanupStore()
    {
        foreach (StoreClient client in _clients)
        {
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _engine?.Dispose();
        Directory.Delete(_directory!, recursive: true);
    }

    [GlobalSetup(Target = nameof(SocketPingPongFloor))]
    public void SetupFloor()
    {
        _directory = Directory.CreateTempSubdirectory("passage-bench-echo-").FullName;
        var endpoint = new UnixDomainSocketEndPoint(Path.Combine(_directory, "socket"));
        _echoListener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _echoListener.Bind(endpoint);
        _echoListener.Listen(Clients);
        _ = Task.Run(AcceptEchoesAsync);
        _echoClients = [.. Enumerable.Range(0, Clients).Select(_ =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(endpoint);
            return socket;
        })];
        _echoBuffers = [.. Enumerable.Range(0, Clients).Select(_ => new byte[XsHeader.Size + 8])];
    }

    [GlobalCleanup(Target = nameof(SocketPingPongFloor))]
    public void CleanupFloor()
    {
        foreach (Socket socket in _echoClients)
        {
            socket.Dispose();
        }

        _echoListener?.Dispose();
        Directory.Delete(_directory!, recursive: true);
    }

    /// <summary>Floor: one 24-byte request and its 24-byte echo per operation.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public Task SocketPingPongFloor() => RunAsync(async (c, _) =>
    {
        Socket socket = _echoClients[c];
        byte[] buffer = _echoBuffers[c];
        await socket.SendAsync(buffer, SocketFlags.None);
        int read = 0;
        while (read < buffer.Length)
        {
            read += await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
        }
    });

    /// <summary>WRITE of an existing node (each client its own), acknowledged once durable.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public Task Write() => RunAsync((c, _) => _clients[c].WriteAsync(Key(c), Value));

    /// <summary>READ of a node.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public Task Read() => RunAsync((c, _) => _clients[c].ReadAsync(Key(c)));

    /// <summary>TRANSACTION_START + WRITE + TRANSACTION_END(T): three round trips, one commit.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public Task Transaction() => RunAsync(async (c, _) =>
    {
        StoreTransaction tx = await _clients[c].StartTransactionAsync();
        await tx.WriteAsync(Key(c), Value);
        if (!await tx.CommitAsync())
        {
            throw new InvalidOperationException("a transaction on a client's own node conflicted");
        }
    });

    private static string Key(int client) => $"/bench/c{client}/device";

    private Task RunAsync(Func<int, int, Task> operation)
    {
        int each = Operations / Clients;
        var running = new Task[Clients];
        for (int c = 0; c < Clients; c++)
        {
            int client = c;
            running[c] = Task.Run(async () =>
            {
                for (int i = 0; i < each; i++)
                {
                    await operation(client, i);
                }
            });
        }

        return Task.WhenAll(running);
    }

    private async Task AcceptEchoesAsync()
    {
        try
        {
            while (true)
            {
                Socket peer = await _echoListener!.AcceptAsync();
                _ = Task.Run(async () =>
                {
                    byte[] buffer = new byte[XsHeader.Size + 8];
                    using (peer)
                    {
                        while (true)
                        {
                            int read = 0;
                            while (read < buffer.Length)
                            {
                                int n = await peer.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
                                if (n == 0)
                                {
                                    return;
                                }

                                read += n;
                            }

                            await peer.SendAsync(buffer, SocketFlags.None);
                        }
                    }
                });
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The listener closed at cleanup.
        }
    }
}
