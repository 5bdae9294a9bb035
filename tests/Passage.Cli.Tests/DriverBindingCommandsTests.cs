using System.Text.Json;
using Passage.Tests.Shared;

namespace Passage.Cli.Tests;

public sealed class DriverBindingCommandsTests : IDisposable
{
    private const string Nic = "0000:03:00.0";
    private const string Peer = "0000:03:00.1";
    private const int Group = 12;

    private readonly string _temp = Directory.CreateTempSubdirectory("passage-cli-bind-").FullName;
    private readonly string _sys;

    public DriverBindingCommandsTests()
    {
        _sys = Path.Combine(_temp, "sys");
        Directory.CreateDirectory(Path.Combine(_sys, "bus", "pci", "devices"));
        Directory.CreateDirectory(Path.Combine(_sys, "bus", "pci", "drivers", "vfio-pci"));
        File.WriteAllText(Path.Combine(_sys, "bus", "pci", "drivers", "vfio-pci", "unbind"), "");
        File.WriteAllText(Probe, "");
    }

    private string Probe => Path.Combine(_sys, "bus", "pci", "drivers_probe");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Bind_HostDriverBound_WritesOverrideAndProbesThenReportsTheChange()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);

        (int code, string stdout, string stderr) = Run("pci", "bind", Nic, "vfio-pci", "--host", $"sysfs:{_sys}");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal("vfio-pci", File.ReadAllText(Path.Combine(dir, "driver_override")));
        Assert.Equal(Nic, File.ReadAllText(Path.Combine(_sys, "bus", "pci", "drivers", "ixgbe", "unbind")));
        Assert.Equal(Nic, File.ReadAllText(Probe));

        // A fake tree has no kernel to probe, so the driver link still names ixgbe afterwards.
        Assert.Equal(
            $"{Nic}: ixgbe → ixgbe\nnote: vfio-pci has not claimed {Nic} after the probe; the kernel log says why\n",
            stdout);
    }

    [Fact]
    public void Bind_ContextSysfsRootWithoutHostOption_BindsThere()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: null, group: Group);

        (int code, string stdout, _) = CliRunner.RunWithSysfs(_sys, "pci", "bind", "03:00.0", "vfio-pci", "--json");

        Assert.Equal(0, code);
        Assert.Equal("vfio-pci", File.ReadAllText(Path.Combine(dir, "driver_override")));
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(Nic, doc.RootElement.GetProperty("address").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("previousDriver").ValueKind);
        Assert.True(doc.RootElement.GetProperty("changed").GetBoolean());
    }

    [Fact]
    public void Bind_AlreadyOnVfioPci_SaysSoAndWritesNothing()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "vfio-pci", group: Group);

        (int code, string stdout, _) = Run("pci", "bind", Nic, "vfio-pci", "--host", $"sysfs:{_sys}");

        Assert.Equal(0, code);
        Assert.Equal($"{Nic}: already bound to vfio-pci\n", stdout);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(dir, "driver_override")));
        Assert.Equal(string.Empty, File.ReadAllText(Probe));
    }

    [Fact]
    public void Bind_AlreadyOnVfioPciJson_ResultRecordUnchanged()
    {
        AddFunction(Nic, headerType: 0, driver: "vfio-pci", group: Group);

        (int code, string stdout, _) = Run("pci", "bind", Nic, "vfio-pci", "--host", $"sysfs:{_sys}", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = doc.RootElement;
        Assert.Equal(Nic, r.GetProperty("address").GetString());
        Assert.Equal("vfio-pci", r.GetProperty("previousDriver").GetString());
        Assert.Equal("vfio-pci", r.GetProperty("newDriver").GetString());
        Assert.False(r.GetProperty("changed").GetBoolean());
    }

    [Fact]
    public void Unbind_OnVfioPciJson_ClearsOverrideUnbindsAndProbes()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "vfio-pci", group: Group);
        File.WriteAllText(Path.Combine(dir, "driver_override"), "vfio-pci");

        (int code, string stdout, _) = Run("pci", "unbind", Nic, "--host", $"sysfs:{_sys}", "--json");

        Assert.Equal(0, code);
        // Sysfs attributes are written in place without truncation: the clearing newline lands first.
        Assert.StartsWith("\n", File.ReadAllText(Path.Combine(dir, "driver_override")), StringComparison.Ordinal);
        Assert.Equal(Nic, File.ReadAllText(Path.Combine(_sys, "bus", "pci", "drivers", "vfio-pci", "unbind")));
        Assert.Equal(Nic, File.ReadAllText(Probe));
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("vfio-pci", doc.RootElement.GetProperty("previousDriver").GetString());
        Assert.True(doc.RootElement.GetProperty("changed").GetBoolean());
    }

    [Fact]
    public void Unbind_UnboundFunctionText_ReportsNoDriverEitherSide()
    {
        AddFunction(Nic, headerType: 0, driver: null, group: Group);

        (int code, string stdout, _) = Run("pci", "unbind", Nic, "--host", $"sysfs:{_sys}");

        Assert.Equal(0, code);
        Assert.Equal($"{Nic}: (no driver) → (no driver)\n", stdout);
    }

    // Refusals of the binding layer, each one line on stderr with nothing written.
    [Theory]
    [InlineData("peer", "cannot bind 0000:03:00.0 to vfio-pci: IOMMU group 12 also holds 0000:03:00.1 (snd_hda_intel), bound to host drivers; bind them to vfio-pci or pci-stub first (EBUSY)")] // group not viable
    [InlineData("bridge", "cannot bind 0000:03:00.0 to vfio-pci: it is a PCI-to-PCI bridge (header type 1); vfio-pci only takes type-0 functions (EINVAL)")] // a bridge
    [InlineData("no-group", "cannot bind 0000:03:00.0 to vfio-pci: it has no IOMMU group (no IOMMU, or the IOMMU is disabled) (EPERM)")] // no IOMMU group
    public void Bind_Refused_OneLineAndNothingWritten(string scenario, string expected)
    {
        string dir = scenario switch
        {
            "bridge" => AddFunction(Nic, headerType: 1, driver: "pcieport", group: Group),
            "no-group" => AddFunction(Nic, headerType: 0, driver: "ixgbe", group: null),
            _ => AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group),
        };
        if (scenario == "peer")
        {
            AddFunction(Peer, headerType: 0, driver: "snd_hda_intel", group: Group);
        }

        (int code, string stdout, string stderr) = Run("pci", "bind", Nic, "vfio-pci", "--host", $"sysfs:{_sys}");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal($"passage: {expected}\n", stderr);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(dir, "driver_override")));
        Assert.Equal(string.Empty, File.ReadAllText(Probe));
    }

    [Fact]
    public void Bind_NoSuchFunction_OneLineNamingIt()
    {
        (int code, _, string stderr) = Run("pci", "bind", Nic, "vfio-pci", "--host", $"sysfs:{_sys}");

        Assert.Equal(1, code);
        Assert.Equal($"passage: no PCI function {Nic} ({Path.Combine(_sys, "bus", "pci", "devices", Nic)} does not exist) (ENODEV)\n", stderr);
    }

    // Commands refused before sysfs is touched.
    [Theory]
    [InlineData("bind", 1, "passage: vfio-pci is not loaded ({drivers}/vfio-pci does not exist); load it with 'modprobe vfio-pci' first")] // bind without the driver
    [InlineData("unbind", 1, "passage: vfio-pci is not loaded ({drivers}/vfio-pci does not exist); load it with 'modprobe vfio-pci' first")] // unbind without the driver
    public void BindUnbind_VfioPciNotLoaded_SaysSoBeforeTouchingSysfs(string verb, int expectedCode, string expected)
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);
        Directory.Delete(Path.Combine(_sys, "bus", "pci", "drivers", "vfio-pci"), recursive: true);
        string[] args = verb == "bind" ? ["pci", "bind", Nic, "vfio-pci", "--host", $"sysfs:{_sys}"] : ["pci", "unbind", Nic, "--host", $"sysfs:{_sys}"];

        (int code, string stdout, string stderr) = Run(args);

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(expected.Replace("{drivers}", Path.Combine(_sys, "bus", "pci", "drivers"), StringComparison.Ordinal) + "\n", stderr);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(dir, "driver_override")));
        Assert.Equal(string.Empty, File.ReadAllText(Probe));
    }

    // Command lines refused whatever the host holds.
    [Theory]
    [InlineData(new[] { "pci", "bind", Nic, "pci-stub" }, 2, "passage: driver 'pci-stub' is not supported: only vfio-pci can be bound")] // another driver
    [InlineData(new[] { "pci", "bind", "03:00", "vfio-pci" }, 2, "passage: '03:00' is not a PCI address (expected SSSS:BB:DD.F or BB:DD.F)")] // malformed address
    [InlineData(new[] { "pci", "bind", Nic, "vfio-pci", "--host", "sim:hosts/lab.json" }, 1, "passage: simulated hosts take their drivers from the topology file; edit its \"driver\" keys instead")] // simulated host
    [InlineData(new[] { "pci", "unbind", Nic, "--host", "sim:hosts/lab.json" }, 1, "passage: simulated hosts take their drivers from the topology file; edit its \"driver\" keys instead")] // simulated host
    public void BindUnbind_Refused_OneLineAndExitCode(string[] args, int expectedCode, string expected)
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);

        (int code, string stdout, string stderr) = Run(args);

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(expected + "\n", stderr);
        Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(dir, "driver_override")));
    }

    private (int Code, string Out, string Err) Run(params string[] args) => CliRunner.RunWithSysfs(_sys, args);

    private string AddFunction(string name, byte headerType, string? driver, int? group) => FakeSysfs.AddFunction(_sys, name, headerType, driver, group);
}
