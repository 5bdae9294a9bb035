using System.Globalization;
using System.Text.Json;
using Passage.Cli.Guest;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Vpci.Guest;
using Passage.Vpci.Machine;

namespace Passage.Cli.Tests;

public sealed class GuestCommandsTests : IDisposable
{
    private const string Rounds = "20";

    private static readonly Lazy<HostInventory> Lab = new(() => SimulatedHost.Load(CliRunner.Lab));

    private readonly string _temp = Directory.CreateTempSubdirectory("passage-cli-guest-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Host => $"sim:{CliRunner.Lab}";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    // Every lab function with MSI or MSI-X: interrupt mechanism, vectors the guest sets up, control block (doorbell) BAR and offset.
    [Theory]
    [InlineData("0000:05:00.0", "msix", 5, 0, 0x1F000)] // I210 NIC: table in BAR3, doorbell in BAR0
    [InlineData("0000:06:00.0", "msix", 33, 0, 0xF00)] // NVMe: admin + 32 queues, one 64-bit BAR
    [InlineData("0000:02:00.0", "msix", 16, 0, 0x2800)] // Wi-Fi: the doorbell shares the MSI-X table page
    [InlineData("0000:07:00.0", "msix", 8, 0, 0xF00)] // Chelsio T5 VF: PBA beyond its BAR, fixed up
    [InlineData("0000:01:00.0", "msi", 1, 5, 0x3F000)] // GPU: MSI, one vector
    [InlineData("0000:01:00.1", "msi", 1, 0, 0x3F00)] // GPU's HDMI audio
    [InlineData("0000:00:1f.2", "msi", 16, 5, 0xA0)] // AHCI: 32-bit MSI with 16 vectors, a 2 KiB BAR
    public void Probe_LabFunctionWithMsiOrMsixJson_EveryVectorDeliveredExactlyOnce(string address, string interrupts, int vectors, int doorbellBar, int controlBlock)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("guest", "probe", "--host", Host, "--device", address, "--rounds", Rounds, "--json");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement p = doc.RootElement;
        Assert.Equal(address, p.GetProperty("address").GetString());
        Assert.Equal("0000:00:01.0", p.GetProperty("guestAddress").GetString());
        Assert.Equal(interrupts, p.GetProperty("interrupts").GetString());
        Assert.Equal((doorbellBar, controlBlock + SimControlBlock.Doorbell), (p.GetProperty("doorbell").GetProperty("bar").GetInt32(), p.GetProperty("doorbell").GetProperty("offset").GetInt32()));
        JsonElement[] rung = [.. p.GetProperty("vectors").EnumerateArray()];
        Assert.Equal(Enumerable.Range(0, vectors), rung.Select(v => v.GetProperty("vector").GetInt32()));
        Assert.Equal(Enumerable.Range(0x40, vectors), rung.Select(v => v.GetProperty("x86Vector").GetInt32()));
        Assert.All(rung, v => Assert.Equal((1, 1), (v.GetProperty("rung").GetInt32(), v.GetProperty("received").GetInt32())));
        JsonElement latency = p.GetProperty("latency");
        Assert.Equal((20, 20, 0), (latency.GetProperty("rounds").GetInt32(), latency.GetProperty("samples").GetInt32(), latency.GetProperty("lost").GetInt32()));
        Assert.True(p.GetProperty("allDelivered").GetBoolean());
        Assert.Empty(p.GetProperty("log").EnumerateArray());
    }

    // The same functions in text: one table row per vector, each rung and received once.
    [Theory]
    [InlineData("0000:05:00.0", "MSI-X, 5 table entries, 5 rung once each", 5)] // NIC
    [InlineData("0000:06:00.0", "MSI-X, 33 table entries, 33 rung once each", 33)] // NVMe
    [InlineData("0000:02:00.0", "MSI-X, 16 table entries, 16 rung once each", 16)] // Wi-Fi
    [InlineData("0000:07:00.0", "MSI-X, 8 table entries, 8 rung once each", 8)] // T5 VF
    [InlineData("0000:01:00.0", "MSI, 1 capable, 1 rung once each", 1)] // GPU
    [InlineData("0000:01:00.1", "MSI, 1 capable, 1 rung once each", 1)] // GPU audio
    [InlineData("0000:00:1f.2", "MSI, 16 capable, 16 rung once each", 16)] // AHCI
    public void Probe_LabFunctionWithMsiOrMsixText_TableShowsEachVectorOnce(string address, string vectorsLine, int vectors)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("guest", "probe", "--host", Host, "--device", address, "--rounds", Rounds);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        string[] lines = Lines(stdout);
        int header = Array.IndexOf(lines, $"Vectors: {vectorsLine}");
        Assert.True(header > 0, stdout);
        Assert.Equal(["VECTOR", "LAPIC", "RUNG", "RECEIVED"], Cells(lines[header + 1]));
        string[][] rows = [.. lines.Skip(header + 2).Take(vectors).Select(Cells)];
        Assert.Equal(
            Enumerable.Range(0, vectors).Select(v => new[] { v.ToString(CultureInfo.InvariantCulture), $"0x{0x40 + v:x}", "1", "1" }),
            rows);
        Assert.StartsWith("Latency, doorbell → guest interrupt on vector 0: median ", lines[header + 2 + vectors], StringComparison.Ordinal);
        Assert.EndsWith(" over 20 round trips", lines[header + 2 + vectors].Split(" (min")[0], StringComparison.Ordinal);
        Assert.Equal("Result: every vector delivered exactly once", lines[^1]);
    }

    [Fact]
    public void Probe_NicText_SaysWhatTheDriverFoundAndDid()
    {
        (int code, string stdout, _) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "05:00.0", "--rounds", Rounds);

        Assert.Equal(0, code);
        string[] lines = Lines(stdout);
        Assert.Equal("0000:05:00.0 (8086:1533) at guest 0000:00:01.0: simulated device, model nic-i210", lines[0]);
        Assert.Equal("Doorbell: BAR0 + 0x1f000", lines[1]);
        Assert.Equal("Steps:", lines[2]);
        Assert.Equal(
            [
                "  found 8086:1533 class 020000 at 00:01.0",
                "  BAR0: 1 MiB mem32 at 0x80000000",
                "  BAR3: 16 KiB mem32 at 0x80100000",
                "  memory decoding and bus mastering on",
                "  MSI-X: 5 entries at 0x80100000 (BAR3+0x0); enabled with the function masked, 5 entries programmed to LAPIC vectors 0x40–0x44 and unmasked, function unmasked",
                "  rang the doorbell once on each of 5 vector(s): 5 delivered exactly once",
                "  measured 20 doorbell round trips on vector 0",
                "  MSI-X: entries masked, disabled",
                "  memory decoding and bus mastering off",
            ],
            lines[3..12]);
    }

    [Fact]
    public void Probe_SmbusWithoutMsi_OneLineExitOne()
    {
        (int code, string stdout, string stderr) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "00:1f.3", "--rounds", Rounds);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("passage: 0000:00:1f.3: 8086:2930 has neither MSI nor MSI-X\n", stderr);
    }

    [Theory]
    [InlineData("0000:42:00.0", 1, "passage: no function 0000:42:00.0 on simulated host 'lab'")] // nothing there
    [InlineData("0000:00:01.0", 1, "passage: 0000:00:01.0 is a bridge: bridges stay with the host")] // the GPU's root port
    [InlineData("0000:05:00.7", 1, "passage: no function 0000:05:00.7 on")] // a function the NIC does not have
    [InlineData("zz:00.0", 2, "passage: 'zz:00.0' is not a PCI address (expected SSSS:BB:DD.F or BB:DD.F)")] // malformed: a command-line error
    public void Probe_BadDevice_OneLine(string device, int expectedCode, string message)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("guest", "probe", "--host", Host, "--device", device);

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith(message, Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")] // below 0
    [InlineData("1000001")] // above the most one probe times
    public void Probe_RoundsOutOfRange_OneLineExitTwo(string rounds)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "05:00.0", "--rounds", rounds);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal($"passage: --rounds {rounds} is out of range: 0 to 1000000\n", stderr);
    }

    [Theory]
    [InlineData("--device", "05:00.0", "--rounds", "many")] // not a number
    [InlineData("--rounds", "5")] // no --device
    [InlineData("--device", "05:00.0", "--frobnicate")] // unknown option
    public void Probe_MalformedCommandLine_ExitTwo(params string[] args)
    {
        (int code, string stdout, string stderr) = CliRunner.Run(["guest", "probe", "--host", Host, .. args]);

        Assert.Equal(2, code);
        Assert.DoesNotContain("Vectors:", stdout, StringComparison.Ordinal);
        Assert.NotEqual(string.Empty, stderr);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public void Probe_RoundsZero_VectorsRungLatencyNotMeasured()
    {
        (int code, string stdout, _) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "05:00.0", "--rounds", "0", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("latency").ValueKind);
        Assert.Equal(5, doc.RootElement.GetProperty("vectors").GetArrayLength());
        Assert.DoesNotContain(doc.RootElement.GetProperty("steps").EnumerateArray(), s => s.GetString()!.StartsWith("measured", StringComparison.Ordinal));

        (_, string text, _) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "05:00.0", "--rounds", "0");
        Assert.Contains("Latency: not measured (--rounds 0)", Lines(text));
    }

    [Fact]
    public void Probe_DefaultRounds_ThousandRoundTrips()
    {
        (int code, string stdout, _) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "00:1f.2", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(1000, doc.RootElement.GetProperty("latency").GetProperty("samples").GetInt32());
    }

    [Fact]
    public void Probe_NicJson_OneObjectCamelCaseIntegers()
    {
        (int code, string stdout, _) = CliRunner.Run("guest", "probe", "--host", Host, "--device", "05:00.0", "--rounds", Rounds, "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement p = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, p.ValueKind);
        Assert.Equal(
            ["address", "vendorId", "deviceId", "classCode", "guestAddress", "model", "doorbell", "interrupts", "tableSize", "bars", "vectors", "latency", "allDelivered", "steps", "log"],
            p.EnumerateObject().Select(e => e.Name));
        Assert.Equal((0x8086, 0x1533, 0x020000), (p.GetProperty("vendorId").GetInt32(), p.GetProperty("deviceId").GetInt32(), p.GetProperty("classCode").GetInt32()));
        Assert.Equal("nic-i210", p.GetProperty("model").GetString());
        Assert.Equal(5, p.GetProperty("tableSize").GetInt32());
        Assert.Equal(
            [(0, 0x8000_0000L, 0x10_0000L, false, false), (3, 0x8010_0000L, 0x4000L, false, false)],
            p.GetProperty("bars").EnumerateArray().Select(b => (b.GetProperty("index").GetInt32(), b.GetProperty("address").GetInt64(), b.GetProperty("size").GetInt64(), b.GetProperty("is64").GetBoolean(), b.GetProperty("prefetchable").GetBoolean())));
        Assert.Equal(["vector", "x86Vector", "rung", "received"], p.GetProperty("vectors")[0].EnumerateObject().Select(e => e.Name));
        JsonElement latency = p.GetProperty("latency");
        Assert.Equal(["rounds", "samples", "lost", "medianMicroseconds", "p99Microseconds", "minMicroseconds", "maxMicroseconds"], latency.EnumerateObject().Select(e => e.Name));
        double min = latency.GetProperty("minMicroseconds").GetDouble();
        double median = latency.GetProperty("medianMicroseconds").GetDouble();
        double p99 = latency.GetProperty("p99Microseconds").GetDouble();
        double max = latency.GetProperty("maxMicroseconds").GetDouble();
        Assert.True(min > 0 && min <= median && median <= p99 && p99 <= max, $"{min} {median} {p99} {max}");
        Assert.Equal("found 8086:1533 class 020000 at 00:01.0", p.GetProperty("steps")[0].GetString());
    }

    [Fact]
    public void Probe_SysfsHostWithoutVfio_OneLineExitOne()
    {
        string sys = Path.Combine(_temp, "sys");
        string dir = Path.Combine(sys, "bus", "pci", "devices", "0000:00:03.0");
        Directory.CreateDirectory(dir);
        File.Copy(CliRunner.Fixture("vm-00_03.0.config.bin"), Path.Combine(dir, "config"));
        string dev = Path.Combine(_temp, "dev-vfio");

        (int code, string stdout, string stderr) = CliRunner.RunWithRoots(sys, dev, "guest", "probe", "--device", "00:03.0");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("passage: cannot open 0000:00:03.0: ", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public void Doorbell_SimulatedFunction_ModelsDoorbellRegister()
    {
        HostFunction nvme = Lab.Value.Find(PciAddress.Parse("0000:06:00.0"))!;

        Assert.Equal(new DoorbellRegister(0, 0xF00), GuestCommands.Doorbell(nvme, simulated: true));
    }

    [Fact]
    public void Doorbell_SysfsFunction_NoneKnown()
    {
        string sys = Path.Combine(_temp, "sys");
        string dir = Path.Combine(sys, "bus", "pci", "devices", "0000:00:03.0");
        Directory.CreateDirectory(dir);
        File.Copy(CliRunner.Fixture("vm-00_03.0.config.bin"), Path.Combine(dir, "config"));
        HostFunction virtio = new SysfsHostReader(sys).Read().Find(PciAddress.Parse("0000:00:03.0"))!;

        Assert.Null(GuestCommands.Doorbell(virtio, simulated: false));
    }

    [Fact]
    public void Print_NoDoorbell_SaysSoAndExitsZero()
    {
        HostFunction nic = Lab.Value.Find(PciAddress.Parse("0000:05:00.0"))!;
        GuestProbeResult result = ProbeWithoutDoorbell(nic);
        var report = new GuestProbeReport(GuestProbeSubject.For(nic), 1, null, result, []);

        (int code, string text, string error) = Print(report, json: false);
        (int jsonCode, string json, _) = Print(report, json: true);

        Assert.Equal((0, 0), (code, jsonCode));
        Assert.Equal(string.Empty, error);
        string[] lines = Lines(text);
        Assert.Equal("Doorbell: none known for this device: interrupts are set up and torn down without ringing", lines[1]);
        Assert.Contains("Vectors: MSI-X, 5 table entries; none rung", lines);
        Assert.Contains("Latency: not measured (no doorbell)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("  VECTOR", StringComparison.Ordinal));
        Assert.Equal("Result: set up and torn down; no interrupt rung", lines[^1]);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("doorbell").ValueKind);
        Assert.Equal(0, doc.RootElement.GetProperty("vectors").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("latency").ValueKind);
        Assert.True(doc.RootElement.GetProperty("allDelivered").GetBoolean());
    }

    [Fact]
    public void Print_InterruptsLost_OneLineExitOne()
    {
        HostFunction nic = Lab.Value.Find(PciAddress.Parse("0000:05:00.0"))!;
        var result = new GuestProbeResult(
            new GuestFunctionInfo(1, 0x8086, 0x1533, 0x020000, 0),
            [],
            GuestInterruptMode.Msix,
            5,
            [new GuestVectorResult(0, 0x40, 1, 1), new GuestVectorResult(1, 0x41, 1, 0), new GuestVectorResult(2, 0x42, 1, 2)],
            new GuestLatency(18, 2, 10, 20, 5, 30),
            ["found 8086:1533 class 020000 at 00:01.0"]);
        var report = new GuestProbeReport(GuestProbeSubject.For(nic), 1, new DoorbellRegister(0, 0x1F000), result, []);

        (int code, string text, string error) = Print(report, json: false);
        (int jsonCode, string json, string jsonError) = Print(report, json: true);

        Assert.Equal((1, 1), (code, jsonCode));
        const string Line = "passage: 0000:05:00.0: not every interrupt arrived exactly once: vector 1 (LAPIC 0x41) received 0 for 1 doorbell; vector 2 (LAPIC 0x42) received 2 for 1 doorbell; 2 of 20 timed doorbells got no interrupt in time\n";
        Assert.Equal((Line, Line), (error, jsonError));
        string[] lines = Lines(text);
        Assert.Equal(["1", "0x41", "1", "0"], Cells(lines.Single(l => l.StartsWith("  1 ", StringComparison.Ordinal))));
        Assert.Equal("Result: not every interrupt arrived exactly once", lines[^1]);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.False(doc.RootElement.GetProperty("allDelivered").GetBoolean());
        Assert.Equal(2, doc.RootElement.GetProperty("latency").GetProperty("lost").GetInt32());
    }

    [Fact]
    public void Print_FunctionLog_ShownInTextAndJson()
    {
        HostFunction nic = Lab.Value.Find(PciAddress.Parse("0000:05:00.0"))!;
        GuestProbeResult result = ProbeWithoutDoorbell(nic);
        var report = new GuestProbeReport(GuestProbeSubject.For(nic), 1, null, result, ["BAR0 write ignored while mapped"]);

        (_, string text, _) = Print(report, json: false);
        (_, string json, _) = Print(report, json: true);

        string[] lines = Lines(text);
        Assert.Equal("  BAR0 write ignored while mapped", lines[Array.IndexOf(lines, "Log:") + 1]);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal("BAR0 write ignored while mapped", Assert.Single(doc.RootElement.GetProperty("log").EnumerateArray()).GetString());
    }

    [Fact]
    public void Help_GuestProbe_DescribesEveryOption()
    {
        (int code, string stdout, _) = CliRunner.Run("guest", "probe", "--help");
        (int rootCode, string root, _) = CliRunner.Run("--help");

        Assert.Equal((0, 0), (code, rootCode));
        Assert.All(["--host", "--device", "--rounds", "--json"], option => Assert.Contains(option, stdout, StringComparison.Ordinal));
        Assert.Contains(Lines(root), l => l.TrimStart().StartsWith("guest ", StringComparison.Ordinal));
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static (int Code, string Out, string Err) Print(GuestProbeReport report, bool json)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = GuestCommands.Print(report, json, output, error);
        return (code, output.ToString(), error.ToString());
    }

    // What the command does on a host without a known doorbell, on the simulated NIC.
    private static GuestProbeResult ProbeWithoutDoorbell(HostFunction function)
    {
        using var device = new SimDevice(new SimHost(Lab.Value), function.Address);
        using var machine = new VirtualMachine();
        int slot = machine.AttachHost(device);
        return new GuestDriver(machine, new GuestDriverOptions { Doorbell = null }).Probe(slot);
    }
}
