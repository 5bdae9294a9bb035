using System.Text.Json;

namespace Passage.Cli.Tests;

public sealed class PciCommandsTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("passage-cli-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void List_SimLabJson_OneRowPerFunctionWithVerdicts()
    {
        (int code, string stdout, string stderr) = CliRunner.Run("pci", "list", "--host", $"sim:{CliRunner.Lab}", "--json");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement[] rows = [.. doc.RootElement.EnumerateArray()];
        Assert.Equal(17, rows.Length);
        JsonElement wifi = rows.Single(r => r.GetProperty("address").GetString() == "0000:02:00.0");
        Assert.Equal(0x8086, wifi.GetProperty("vendorId").GetInt32());
        Assert.Equal(0x2725, wifi.GetProperty("deviceId").GetInt32());
        Assert.Equal(0x028000, wifi.GetProperty("classCode").GetInt32());
        Assert.True(wifi.GetProperty("verdict").GetProperty("assignable").GetBoolean());
        Assert.Equal(["msix-table-page-shared"], wifi.GetProperty("verdict").GetProperty("reasons").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["flr", "pm", "bus"], wifi.GetProperty("resetMethods").EnumerateArray().Select(e => e.GetString()));
        JsonElement gpu = rows.Single(r => r.GetProperty("address").GetString() == "0000:01:00.0");
        Assert.False(gpu.GetProperty("verdict").GetProperty("assignable").GetBoolean());
        Assert.Contains("reset-scope-shared", gpu.GetProperty("verdict").GetProperty("reasons").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("vfio-pci", gpu.GetProperty("driver").GetString());
        Assert.Equal(JsonValueKind.Null, rows.Single(r => r.GetProperty("address").GetString() == "0000:07:00.0").GetProperty("driver").ValueKind);
    }

    [Fact]
    public void List_SimLabText_HasHeaderRowsAndSummary()
    {
        (int code, string stdout, _) = CliRunner.Run("pci", "list", "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(0, code);
        string[] lines = stdout.TrimEnd().Split('\n');
        Assert.StartsWith("Host: simulated host 'lab'", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("ADDRESS", lines[1], StringComparison.Ordinal);
        Assert.Equal(17, lines.Count(l => l.StartsWith("0000:", StringComparison.Ordinal)));
        string wifi = lines.Single(l => l.StartsWith("0000:02:00.0", StringComparison.Ordinal));
        Assert.Contains("8086:2725", wifi, StringComparison.Ordinal);
        Assert.Contains("iwlwifi", wifi, StringComparison.Ordinal);
        Assert.EndsWith("yes (msix-table-page-shared)", wifi, StringComparison.Ordinal);
        Assert.EndsWith("no: reset-scope-shared", lines.Single(l => l.StartsWith("0000:01:00.1", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("17 functions, 3 assignable. 'passage pci show ADDRESS' explains a verdict.", lines[^1]);
    }

    [Fact]
    public void Show_SimWifiJson_DecodesMsixBarsCapabilitiesAndVerdict()
    {
        (int code, string stdout, _) = CliRunner.Run("pci", "show", "02:00.0", "--host", $"sim:{CliRunner.Lab}", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement f = doc.RootElement;
        Assert.Equal("0000:02:00.0", f.GetProperty("address").GetString());
        Assert.Equal(0, f.GetProperty("headerType").GetInt32());
        JsonElement msix = f.GetProperty("msix");
        Assert.Equal(16, msix.GetProperty("tableSize").GetInt32());
        Assert.Equal(0, msix.GetProperty("tableBir").GetInt32());
        Assert.Equal(0x2000, msix.GetProperty("tableOffset").GetInt32());
        Assert.Equal(0x3000, msix.GetProperty("pbaOffset").GetInt32());
        Assert.False(msix.GetProperty("enabled").GetBoolean());
        JsonElement bar = f.GetProperty("bars").EnumerateArray().Single();
        Assert.Equal("mem64", bar.GetProperty("kind").GetString());
        Assert.Equal(16384, bar.GetProperty("size").GetInt64());
        Assert.Equal([0xC8, 0xD0, 0x40, 0x80], f.GetProperty("capabilities").EnumerateArray().Select(c => c.GetProperty("offset").GetInt32()));
        Assert.Equal([0x01, 0x05, 0x10, 0x11], f.GetProperty("capabilities").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()));
        Assert.Equal("MSI-X", f.GetProperty("capabilities")[3].GetProperty("name").GetString());
        Assert.Equal(16, f.GetProperty("capabilities")[3].GetProperty("fields").GetProperty("tableSize").GetInt32());
        Assert.Equal(0x100, f.GetProperty("extendedCapabilities")[0].GetProperty("offset").GetInt32());
        Assert.True(f.GetProperty("pcie").GetProperty("flrCapable").GetBoolean());
        Assert.False(f.GetProperty("msi").GetProperty("enabled").GetBoolean());
        Assert.True(f.GetProperty("msi").GetProperty("is64Bit").GetBoolean());
        Assert.Equal("iwlwifi", f.GetProperty("driver").GetString());
        Assert.Equal(["0000:00:1c.0", "0000:02:00.0"], f.GetProperty("iommuGroupMembers").EnumerateArray().Select(e => e.GetString()));
        JsonElement detail = f.GetProperty("verdict").GetProperty("details")[0];
        Assert.Equal("msix-table-page-shared", detail.GetProperty("code").GetString());
        Assert.False(detail.GetProperty("blocking").GetBoolean());
    }

    [Fact]
    public void Show_SimGpuText_ListsVerdictLinesLikeLspci()
    {
        (int code, string stdout, _) = CliRunner.Run("pci", "show", "0000:01:00.0", "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(0, code);
        Assert.StartsWith("0000:01:00.0 ", stdout, StringComparison.Ordinal);
        Assert.Contains("[1002:67df]", stdout, StringComparison.Ordinal);
        Assert.Contains("\tRegion 0: Memory at ", stdout, StringComparison.Ordinal);
        Assert.Contains("(64-bit, prefetchable) [size=256M]", stdout, StringComparison.Ordinal);
        Assert.Contains("\tCapabilities: [a0] MSI: Enable- Count=1/1 Maskable- 64bit+", stdout, StringComparison.Ordinal);
        Assert.Contains("\tCapabilities: [2a0 v1] Access Control Services", stdout, StringComparison.Ordinal);
        Assert.Contains("\tKernel driver in use: vfio-pci", stdout, StringComparison.Ordinal);
        Assert.Contains("\tReset scope: bus (0000:01:00.0, 0000:01:00.1)", stdout, StringComparison.Ordinal);
        Assert.Contains("\tPassthrough: no: reset-scope-shared", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0000:09:00.0", 1, "passage: no function 0000:09:00.0 on simulated host 'lab'")] // address not on the host
    [InlineData("not-an-address", 2, "passage: 'not-an-address' is not a PCI address")] // malformed address
    public void Show_BadAddress_OneLineOnStderrAndNonZeroExit(string address, int expectedCode, string expected)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("pci", "show", address, "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("bogus", 2, "passage: --host 'bogus' is not 'sysfs', 'sysfs:DIR' or 'sim:FILE'")] // unknown form
    [InlineData("sim:/nonexistent/lab.json", 1, "passage: /nonexistent/lab.json: cannot read topology file")] // missing topology
    [InlineData("sysfs:/nonexistent", 1, "passage: ")] // missing sysfs tree
    public void List_BadHost_OneLineOnStderr(string host, int expectedCode, string expected)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("pci", "list", "--host", host);

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void List_MalformedTopology_NamesFileAndPlace()
    {
        string path = Path.Combine(_temp, "bad.json");
        File.WriteAllText(path, "{\"devices\": [{\"slot\": \"00.0\", \"model\": \"toaster\"}]}");

        (int code, _, string stderr) = CliRunner.Run("pci", "list", "--host", $"sim:{path}");

        Assert.Equal(1, code);
        Assert.StartsWith($"passage: {path}: devices[0]: unknown model 'toaster'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void List_DefaultHostWithoutPciSysfs_FallsBackToLabAndSaysSo()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "bus", "pci", "devices"));

        (int code, string stdout, string stderr) = CliRunner.RunWithSysfs(_temp, "pci", "list", "--json");

        Assert.Equal(0, code);
        Assert.Contains("lists no PCI functions; showing the simulated host hosts/lab.json", stderr, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(17, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public void Decode_RealBinaryFixture_JsonMatchesBytes()
    {
        (int code, string stdout, _) = CliRunner.Run("pci", "decode", CliRunner.Fixture("vm-00_03.0.config.bin"), "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement f = doc.RootElement;
        Assert.False(f.TryGetProperty("address", out _));
        Assert.Equal(0x1AF4, f.GetProperty("vendorId").GetInt32());
        Assert.Equal(0x1041, f.GetProperty("deviceId").GetInt32());
        Assert.Equal(0x020000, f.GetProperty("classCode").GetInt32());
        JsonElement bar = f.GetProperty("bars").EnumerateArray().Single();
        Assert.Equal("mem64", bar.GetProperty("kind").GetString());
        Assert.Equal(0x40_0010_0000L, bar.GetProperty("address").GetInt64());
        Assert.False(bar.TryGetProperty("size", out _));
        Assert.Equal(3, f.GetProperty("msix").GetProperty("tableSize").GetInt32());
        Assert.Equal(0x48000, f.GetProperty("msix").GetProperty("pbaOffset").GetInt32());
        Assert.Equal(JsonValueKind.Null, f.GetProperty("pcie").ValueKind);
        Assert.Equal([0x40, 0x50, 0x60, 0x70, 0x84, 0x98], f.GetProperty("capabilities").EnumerateArray().Select(c => c.GetProperty("offset").GetInt32()));
    }

    [Fact]
    public void Decode_LspciTextFixture_SameAsBinary()
    {
        (int binCode, string bin, _) = CliRunner.Run("pci", "decode", CliRunner.Fixture("vm-00_01.0.config.bin"), "--json");
        (int textCode, string text, _) = CliRunner.Run("pci", "decode", CliRunner.Fixture("vm-00_01.0.lspci-xxxx.txt"), "--json");

        Assert.Equal((0, 0), (binCode, textCode));
        using JsonDocument fromText = JsonDocument.Parse(text);
        Assert.Equal("0000:00:01.0", fromText.RootElement.GetProperty("address").GetString());
        Assert.Equal(bin.Replace("\n", string.Empty, StringComparison.Ordinal), text.Replace("  \"address\": \"0000:00:01.0\",\n", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(100, "100 bytes")] // not 64, 256 or 4096 bytes
    [InlineData(0, "")] // empty file
    public void Decode_TruncatedFile_OneLineError(int length, string expected)
    {
        string path = Path.Combine(_temp, "dump.bin");
        File.WriteAllBytes(path, new byte[length]);

        (int code, string stdout, string stderr) = CliRunner.Run("pci", "decode", path);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith($"passage: {path}: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Decode_MissingFile_OneLineError()
    {
        string path = Path.Combine(_temp, "absent.bin");

        (int code, _, string stderr) = CliRunner.Run("pci", "decode", path);

        Assert.Equal(1, code);
        Assert.StartsWith($"passage: {path}: cannot read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TextHuman_PrintsCapabilitiesLikeLspci()
    {
        (int code, string stdout, _) = CliRunner.Run("pci", "decode", CliRunner.Fixture("vm-00_03.0.config.bin"));

        Assert.Equal(0, code);
        Assert.Contains("\tCapabilities: [98] MSI-X: Enable+ Count=3 Masked-", stdout, StringComparison.Ordinal);
        Assert.Contains("\t\tVector table: BAR=0 offset=00008000", stdout, StringComparison.Ordinal);
        Assert.Contains("\tCapabilities: [40] Vendor Specific Information: VirtIO: CommonCfg", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pci", "show")] // missing argument
    [InlineData("pci", "lst")] // unknown command
    [InlineData("pci", "list", "--jsn")] // unknown option
    public void Parse_MalformedCommandLine_ExitsTwo(params string[] args)
    {
        (int code, _, string stderr) = CliRunner.Run(args);

        Assert.Equal(2, code);
        Assert.NotEqual(string.Empty, stderr);
    }
}
