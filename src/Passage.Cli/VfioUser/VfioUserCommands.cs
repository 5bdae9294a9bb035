using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Passage.Cli.Devices;
using Passage.Cli.Guest;
using Passage.Cli.Json;
using Passage.Cli.Pci;
using Passage.Cli.Vm;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Decoding;
using Passage.VfioUser.Client;
using Passage.VfioUser.Server;
using Passage.VfioUser.Transport;

namespace Passage.Cli.VfioUser;

/// <summary><c>passage vfio-user serve|probe</c>: export a host function over a vfio-user socket, and look at a device served on one.</summary>
internal static class VfioUserCommands
{
    public static Command Build(CliContext context)
    {
        var host = new Option<string?>("--host") { Description = HostSelection.Help, HelpName = "sysfs|sim:FILE" };
        var device = new Option<string>("--device") { Description = "Host function to export, SSSS:BB:DD.F or BB:DD.F.", HelpName = "ADDRESS", Required = true };
        var serveSocket = new Option<string>("--socket") { Description = "Unix socket to serve on (a stale socket file there is replaced; any other file is refused).", HelpName = "PATH", Required = true };
        var serve = new Command(
            "serve",
            "Export a host function (simulated on sim hosts, VFIO on sysfs hosts) to one vfio-user client at a time, as QEMU's and cloud-hypervisor's vfio-user clients and 'passage vfio-user probe' or 'passage guest probe --socket' use it. Logs each connection on stderr; runs until Ctrl-C or SIGTERM. A second client while one is connected is refused with EBUSY.")
        {
            host, device, serveSocket,
        };
        serve.SetAction(r => context.Run(r, _ => Serve(context, r.GetValue(host), r.GetValue(device)!, r.GetValue(serveSocket)!)));

        var probeSocket = new Option<string>("--socket") { Description = "The vfio-user server's Unix socket.", HelpName = "PATH", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var probe = new Command(
            "probe",
            "Connect to a vfio-user server as a client and show what it serves: the protocol version and limits agreed, the device's regions and IRQ indexes, and its config space decoded as 'pci show' decodes it.")
        {
            probeSocket, json,
        };
        probe.SetAction(r => context.Run(r, output => Probe(context, r.GetValue(probeSocket)!, r.GetValue(json), output)));

        return new Command("vfio-user", "Serve host functions over vfio-user, and import devices served that way.") { serve, probe };
    }

    /// <summary>Connects to the server at <paramref name="socket"/>; failures become one clear line.</summary>
    public static VfioUserClient Connect(string socket)
    {
        try
        {
            return VfioUserClient.Connect(socket);
        }
        catch (HostDeviceException e)
        {
            throw new CliException($"{socket}: {e.Message}");
        }
    }

    private static int Serve(CliContext context, string? hostOption, string deviceText, string socket)
    {
        PciAddress address = PciCommands.ParseAddress(deviceText);
        using GuestDevices devices = GuestDevices.Open(context, hostOption, [address.ToString()]);
        (HostFunction function, IHostDevice device) = devices.Devices[0];
        TextWriter log = TextWriter.Synchronized(context.Error);

        using var stop = new StopSignal(context.Shutdown);
        VfioUserServer server;
        try
        {
            server = new VfioUserServer(device, socket, new VfioUserServerOptions { Log = line => log.WriteLine($"passage: {line}") });
            server.Start();
        }
        catch (Exception e) when (e is TransportException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliException($"cannot serve on {socket}: {e.Message}");
        }

        using (server)
        {
            string doorbell = GuestCommands.Doorbell(function, simulated: devices.SimHost is not null) is { } bell
                ? string.Create(CultureInfo.InvariantCulture, $"; its doorbell is BAR{bell.Bar} + 0x{bell.Offset:x}")
                : string.Empty;
            log.WriteLine($"passage: serving {function.Address} ({function.Config.VendorId:x4}:{function.Config.DeviceId:x4}) over vfio-user on {socket}{doorbell}; Ctrl-C stops");
            stop.Token.WaitHandle.WaitOne();
            log.WriteLine($"passage: stopping; {server.ClientsServed} client(s) served");
        }

        return 0;
    }

    private static int Probe(CliContext context, string socket, bool json, TextWriter output)
    {
        using VfioUserClient client = Connect(socket);
        DeviceSnapshot snapshot = DeviceSnapshot.Take(socket, client);
        ConfigSpace config = ReadConfig(client, socket);
        DecodedFunction decoded = DecodedFunction.Decode(config);
        FunctionNames names = context.Names.For(config);
        string version = string.Create(CultureInfo.InvariantCulture, $"0.{client.Minor}");
        if (json)
        {
            var probe = new VfioUserProbeJson
            {
                Socket = socket,
                Version = version,
                MaxMsgFds = client.ServerCapabilities.MaxMsgFds,
                MaxDataXferSize = client.ServerCapabilities.MaxDataXferSize,
                TwinSocket = client.UsesTwinSocket,
                Device = DeviceJsonMapper.Map(snapshot),
                Config = JsonMapper.Function<FunctionJson>(decoded, names, null),
            };
            output.WriteLine(JsonSerializer.Serialize(probe, CliJsonContext.Default.VfioUserProbeJson));
            return 0;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vfio-user {version} on {socket}: server takes {client.ServerCapabilities.MaxMsgFds} fds a message and {client.ServerCapabilities.MaxDataXferSize} bytes a transfer; twin socket {(client.UsesTwinSocket ? "in use" : "not in use")}"));
        DeviceInfoView.Write(output, snapshot);
        output.WriteLine("Config space:");
        FunctionFormatter.Write(output, decoded, names, null);
        return 0;
    }

    // Region 7, as much as the server has (256 bytes or 4 KiB), in one read.
    private static ConfigSpace ReadConfig(VfioUserClient client, string socket)
    {
        ulong size = Math.Min(client.GetRegionInfo(VfioRegion.Config).Size, (ulong)ConfigOffsets.ExtendedSize);
        if (size < ConfigOffsets.ConventionalSize)
        {
            throw new CliException($"{socket}: the server's config region has only {size} bytes");
        }

        byte[] bytes = new byte[size];
        Errno errno = client.Read(VfioRegion.Config, 0, bytes);
        return errno == Errno.None
            ? new ConfigSpace(bytes)
            : throw new CliException($"{socket}: cannot read config space: {errno}");
    }
}
