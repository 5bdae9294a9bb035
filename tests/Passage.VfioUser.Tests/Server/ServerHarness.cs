using System.Collections.Concurrent;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Server;
using Passage.VfioUser.Tests.Transport;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// A started <see cref="VfioUserServer"/> exporting a lab <see cref="SimDevice"/> on a socket in a
/// temporary directory, with its log lines and events collected. Clients are disposed before it
/// (declare it first).
/// </summary>
internal sealed class ServerHarness : IDisposable
{
    public const string Nic = "0000:05:00.0";
    public const string Nvme = "0000:06:00.0";

    private static readonly Lazy<HostInventory> Lab = new(() => SimulatedHost.Load(Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json")));
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly bool _ownsDirectory;

    public ServerHarness(string address = Nic, bool dynamicMsix = true, VfioUserServerOptions? options = null, Func<SimDevice, IHostDevice>? export = null, SimHost? host = null, TempSocketDirectory? directory = null, string name = "device.sock")
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? new TempSocketDirectory();
        Host = host ?? new SimHost(Lab.Value);
        Device = new SimDevice(Host, PciAddress.Parse(address), dynamicMsix);
        Exported = export?.Invoke(Device) ?? Device;
        Server = new VfioUserServer(Exported, Directory.Path(name), (options ?? VfioUserServerOptions.Default) with { Log = Log.Enqueue });
        Server.ClientConnected += (_, e) => Connections.Add(e);
        Server.ClientRefused += (_, e) => Refusals.Add(e);
        Server.ClientDisconnected += (_, e) => Disconnections.Add(e);
        Server.Start();
    }

    public TempSocketDirectory Directory { get; }

    public SimHost Host { get; }

    public SimDevice Device { get; }

    public IHostDevice Exported { get; }

    public VfioUserServer Server { get; }

    public ConcurrentQueue<string> Log { get; } = new();

    public BlockingCollection<VfioUserClientConnectedEventArgs> Connections { get; } = [];

    public BlockingCollection<VfioUserClientRefusedEventArgs> Refusals { get; } = [];

    public BlockingCollection<VfioUserClientDisconnectedEventArgs> Disconnections { get; } = [];

    /// <summary>The control block of the exported model (doorbell, scratch, counters).</summary>
    public SimControlBlock ControlBlock => Device.Function.Model.ControlBlock!;

    public RawClient Connect() => RawClient.Connect(Server.SocketPath);

    /// <summary>Connects and negotiates VERSION with <paramref name="offer"/>; the reply must succeed.</summary>
    public RawClient Negotiated(VersionCapabilities? offer = null)
    {
        RawClient client = Connect();
        using RawReply reply = client.Version(offer);
        Assert.Equal(Errno.None, reply.Errno);
        return client;
    }

    /// <summary>Waits until the server has logged a line containing <paramref name="text"/>.</summary>
    public void WaitForLog(string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!Log.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the server never logged \"{text}\"");
            Thread.Sleep(5);
        }
    }

    public VfioUserClientDisconnectedEventArgs WaitDisconnected() => Take(Disconnections, "a client to disconnect");

    public VfioUserClientRefusedEventArgs WaitRefused() => Take(Refusals, "a refusal");

    public void Dispose()
    {
        Server.Dispose();
        Device.Dispose();
        if (_ownsDirectory)
        {
            Directory.Dispose();
        }
    }

    private static T Take<T>(BlockingCollection<T> events, string what)
    {
        Assert.True(events.TryTake(out T? item, (int)Patience.TotalMilliseconds, TestContext.Current.CancellationToken), $"no sign of {what} within {Patience.TotalSeconds} s");
        return item!;
    }
}
