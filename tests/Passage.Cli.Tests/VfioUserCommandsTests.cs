using System.Globalization;
using System.Text.Json;
using Passage.Cli.Guest;
using Passage.Host.Inventory;
using Passage.Host.Sim;
using Passage.Pci;
using Passage.VfioUser.Client;

namespace Passage.Cli.Tests;

/// <summary><c>passage vfio-user serve|probe</c> and <c>guest probe --socket</c>, served and probed in this process over a real socket.</summary>
public sealed class VfioUserCommandsTests : IDisposable
{
    private static readonly Lazy<HostInventory> Lab = new(() => SimulatedHost.Load(CliRunner.Lab));
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _temp = Directory.CreateTempSubdirectory("passage-cli-vfu-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>Every function of the lab a guest can be given (bridges stay with the host).</summary>
    public static TheoryData<string> Endpoints()
    {
        var data = new TheoryData<string>();
        foreach (HostFunction function in Lab.Value.Functions.Where(f => !f.IsBridge))
        {
            data.Add(function.Address.ToString());
        }

        return data;
    }

    /// <summary>The lab functions with MSI-X and their table sizes.</summary>
    public static TheoryData<string, int> MsixFunctions() => new()
    {
        { "0000:05:00.0", 5 }, // NIC
        { "0000:06:00.0", 33 }, // NVMe
        { "0000:02:00.0", 16 }, // Wi-Fi: its doorbell shares the MSI-X table page
        { "0000:07:00.0", 8 }, // T5 VF: PBA fixed up
    };

    private static string Host => $"sim:{CliRunner.Lab}";

    [Theory]
    [MemberData(nameof(Endpoints))]
    public void Probe_EveryLabEndpointServed_RegionsAndIrqsAsTheHostHasThemAndConfigDecoded(string address)
    {
        (int infoCode, string info, _) = CliRunner.Run("device", "info", address, "--host", Host);
        Assert.Equal(0, infoCode);
        HostFunction function = Lab.Value.Find(PciAddress.Parse(address))!;

        (int code, string stdout, string stderr, string serveLog) = WithServer(address, socket => CliRunner.Run("vfio-user", "probe", "--socket", socket));

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        string[] lines = Lines(stdout);
        Assert.StartsWith("vfio-user 0.2 on ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("server takes 8 fds a message and 1048576 bytes a transfer; twin socket in use", lines[0], StringComparison.Ordinal);
        Assert.Equal(Section(info, "Regions:", "Simulation control block"), Section(stdout, "Regions:", "Config space:"));
        Assert.Contains($"[{function.Config.VendorId:x4}:{function.Config.DeviceId:x4}]", Section(stdout, "Config space:", null)[0], StringComparison.Ordinal);
        Assert.Contains($"passage: serving {address} ", serveLog, StringComparison.Ordinal);
        Assert.Contains("client 1 connected: vfio-user 0.2", serveLog, StringComparison.Ordinal);
        Assert.Contains("client 1 disconnected (Closed)", serveLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_Json_VersionDeviceAndConfigFields()
    {
        (int code, string stdout, _, _) = WithServer("0000:06:00.0", socket => CliRunner.Run("vfio-user", "probe", "--socket", socket, "--json"));

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.Equal("0.2", root.GetProperty("version").GetString());
        Assert.Equal(8, root.GetProperty("maxMsgFds").GetInt32());
        Assert.True(root.GetProperty("twinSocket").GetBoolean());
        Assert.Equal("vfio-user", root.GetProperty("device").GetProperty("backend").GetString());
        Assert.Equal(9, root.GetProperty("device").GetProperty("regions").GetArrayLength());
        Assert.Equal(0x144d, root.GetProperty("config").GetProperty("vendorId").GetInt32());
        Assert.Equal(0xa808, root.GetProperty("config").GetProperty("deviceId").GetInt32());
    }

    [Theory]
    [MemberData(nameof(MsixFunctions))]
    public void GuestProbe_Socket_EveryMsixVectorDeliveredExactlyOnce(string address, int entries)
    {
        HostFunction function = Lab.Value.Find(PciAddress.Parse(address))!;
        DoorbellRegisterText doorbell = DoorbellOf(function);

        (int code, string stdout, string stderr, string serveLog) = WithServer(address, socket =>
            CliRunner.Run("guest", "probe", "--socket", socket, "--doorbell", doorbell.Text, "--rounds", "20", "--json"));

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.False(root.TryGetProperty("address", out _));
        Assert.EndsWith(".sock", root.GetProperty("socket").GetString(), StringComparison.Ordinal);
        Assert.Equal(function.Config.VendorId, root.GetProperty("vendorId").GetInt32());
        Assert.Equal("msix", root.GetProperty("interrupts").GetString());
        Assert.Equal(entries, root.GetProperty("tableSize").GetInt32());
        int[] received = [.. root.GetProperty("vectors").EnumerateArray().Select(v => v.GetProperty("received").GetInt32())];
        Assert.Equal(Enumerable.Repeat(1, entries), received);
        Assert.Equal(20, root.GetProperty("latency").GetProperty("samples").GetInt32());
        Assert.True(root.GetProperty("allDelivered").GetBoolean());
        Assert.Contains("client 1 disconnected (Closed)", serveLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_SimulatedFunction_PrintsItsDoorbellAndStopsCleanly()
    {
        (_, _, _, string serveLog) = WithServer("0000:05:00.0", _ => (0, string.Empty, string.Empty));

        Assert.Contains("passage: serving 0000:05:00.0 (8086:1533) over vfio-user on ", serveLog, StringComparison.Ordinal);
        Assert.Contains("its doorbell is BAR0 + 0x1f000; Ctrl-C stops", serveLog, StringComparison.Ordinal);
        Assert.Contains("passage: stopping; 0 client(s) served", serveLog, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_temp));
    }

    [Fact]
    public void Probe_WhileAnotherClientHoldsTheDevice_RefusedInOneLine()
    {
        (int code, string stdout, string stderr, _) = WithServer("0000:05:00.0", socket =>
        {
            using VfioUserClient holder = VfioUserClient.Connect(socket);
            return CliRunner.Run("vfio-user", "probe", "--socket", socket);
        });

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        string line = Assert.Single(Lines(stderr));
        Assert.StartsWith("passage: ", line, StringComparison.Ordinal);
        Assert.Contains("in use by another client", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_NoServer_OneLineExitOne()
    {
        (int code, string stdout, string stderr) = CliRunner.Run("vfio-user", "probe", "--socket", Path.Combine(_temp, "absent.sock"));

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith($"passage: {Path.Combine(_temp, "absent.sock")}: ", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_RegularFileAtThePath_RefusedAndTheFileKept()
    {
        string path = Path.Combine(_temp, "not-a-socket");
        File.WriteAllText(path, "keep me");

        (int code, _, string stderr) = CliRunner.Run("vfio-user", "serve", "--host", Host, "--device", "05:00.0", "--socket", path);

        Assert.Equal(1, code);
        Assert.StartsWith($"passage: cannot serve on {path}: ", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("0000:00:01.0", 1, "is a bridge")] // the GPU's root port stays with the host
    [InlineData("0000:42:00.0", 1, "no function 0000:42:00.0")] // nothing there
    [InlineData("zz:00.0", 2, "is not a PCI address")] // malformed: a command-line error
    public void Serve_BadDevice_OneLine(string device, int expectedCode, string message)
    {
        (int code, _, string stderr) = CliRunner.Run("vfio-user", "serve", "--host", Host, "--device", device, "--socket", Path.Combine(_temp, "x.sock"));

        Assert.Equal(expectedCode, code);
        Assert.Contains(message, Assert.Single(Lines(stderr)), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_temp, "x.sock")));
    }

    [Theory]
    [InlineData(new[] { "--device", "05:00.0", "--socket", "/tmp/x.sock" }, "either --device")] // both
    [InlineData(new string[0], "either --device")] // neither
    [InlineData(new[] { "--socket", "/tmp/x.sock", "--host", "sim:lab.json" }, "--host names where --device is found")]
    [InlineData(new[] { "--socket", "/tmp/x.sock", "--doorbell", "6:0x10" }, "is not BAR:OFFSET")] // no BAR 6
    [InlineData(new[] { "--socket", "/tmp/x.sock", "--doorbell", "0x10" }, "is not BAR:OFFSET")] // no BAR
    [InlineData(new[] { "--socket", "/tmp/x.sock", "--doorbell", "0:zz" }, "is not BAR:OFFSET")] // not a number
    public void GuestProbe_MalformedSocketOptions_OneLineExitTwo(string[] options, string message)
    {
        (int code, string stdout, string stderr) = CliRunner.Run(["guest", "probe", .. options]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains(message, Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0:0x1f000", 0, 0x1F000UL)]
    [InlineData("5:4096", 5, 4096UL)]
    [InlineData("3:0X20", 3, 0x20UL)]
    public void ParseDoorbell_BarAndOffset_HexOrDecimal(string text, int bar, ulong offset)
    {
        var doorbell = GuestCommands.ParseDoorbell(text);

        Assert.Equal((bar, offset), (doorbell.Bar, doorbell.Offset));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    // The lines of a report from the one starting with `from` up to (not including) the one starting with `to`.
    private static string[] Section(string text, string from, string? to)
    {
        string[] lines = Lines(text);
        int start = Array.FindIndex(lines, l => l.StartsWith(from, StringComparison.Ordinal));
        Assert.True(start >= 0, $"no '{from}' in:\n{text}");
        int end = to is null ? lines.Length : Array.FindIndex(lines, start, l => l.StartsWith(to, StringComparison.Ordinal));
        return lines[(start + 1)..(end < 0 ? lines.Length : end)];
    }

    private static DoorbellRegisterText DoorbellOf(HostFunction function)
    {
        var bell = GuestCommands.Doorbell(function, simulated: true)!;
        return new DoorbellRegisterText(string.Create(CultureInfo.InvariantCulture, $"{bell.Bar}:0x{bell.Offset:x}"));
    }

    // Serves `address` with 'vfio-user serve' on a thread until `client` has run and every client it
    // served has been seen to leave (so the log is complete), then stops it as Ctrl-C would.
    private (int Code, string Out, string Err, string ServeLog) WithServer(string address, Func<string, (int Code, string Out, string Err)> client)
    {
        string socket = Path.Combine(_temp, "device.sock");
        using var shutdown = new CancellationTokenSource();
        var log = new LiveLog();
        Task<int> serving = Task.Run(
            () => CliRunner.RunWithWriters(TextWriter.Null, log, shutdown.Token, "vfio-user", "serve", "--host", Host, "--device", address, "--socket", socket),
            TestContext.Current.CancellationToken);
        DateTime deadline = DateTime.UtcNow + Patience;
        while (!Listening(socket))
        {
            Assert.False(serving.IsCompleted, $"the server ended early: {log}");
            Assert.True(DateTime.UtcNow < deadline, "the server never listened");
            Thread.Sleep(10);
        }

        (int code, string stdout, string stderr) = client(socket);
        while (Count(log.ToString(), " connected: ") > Count(log.ToString(), " disconnected "))
        {
            Assert.True(DateTime.UtcNow < deadline, $"a client never left: {log}");
            Thread.Sleep(10);
        }

        shutdown.Cancel();
        Assert.True(serving.Wait(Patience, TestContext.Current.CancellationToken), "the server did not stop");
        Assert.Equal(0, serving.Result);
        Assert.False(File.Exists(socket));
        return (code, stdout, stderr, log.ToString());
    }

    private static int Count(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // Whether a socket bound at `path` is listening (flag __SO_ACCEPTCON in /proc/net/unix): the file
    // appears at bind(), a moment before listen(), and a connect in between would be refused.
    private static bool Listening(string path) =>
        File.Exists(path) && File.ReadLines("/proc/net/unix").Any(l => l.EndsWith(" " + path, StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3] == "00010000");

    private readonly record struct DoorbellRegisterText(string Text);
}
