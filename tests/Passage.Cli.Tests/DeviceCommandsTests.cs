using System.Text.Json;

namespace Passage.Cli.Tests;

public sealed class DeviceCommandsTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("passage-cli-device-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    // Every lab function with a type-0 header: model, config size, INTx/MSI-X/ERR counts, reset, control block BAR and offset (-1 = none).
    [Theory]
    [InlineData("0000:00:00.0", "host-bridge", 256, 0, 0, 0, false, -1, 0)] // host bridge: class 06 but type 0, no interrupts, no BARs
    [InlineData("0000:01:00.0", "gpu-polaris", 4096, 1, 0, 1, false, 5, 0x3F000)] // GPU: no FLR, PM reset quirked off
    [InlineData("0000:01:00.1", "gpu-polaris-audio", 4096, 1, 0, 1, false, 0, 0x3F00)] // GPU's HDMI audio function
    [InlineData("0000:02:00.0", "wifi-ax210", 4096, 1, 16, 1, true, 0, 0x2800)] // Wi-Fi: registers beside the MSI-X table
    [InlineData("0000:05:00.0", "nic-i210", 4096, 1, 5, 1, true, 0, 0x1F000)] // I210 NIC with FLR
    [InlineData("0000:06:00.0", "nvme-970evo", 4096, 1, 33, 1, true, 0, 0xF00)] // NVMe: 33 MSI-X vectors
    [InlineData("0000:07:00.0", "nic-t5-vf", 4096, 0, 8, 1, true, 0, 0xF00)] // Chelsio VF: Interrupt Pin 0
    [InlineData("0000:00:1f.0", "lpc-ich9", 256, 0, 0, 0, false, -1, 0)] // LPC bridge: class 06 but type 0
    [InlineData("0000:00:1f.2", "ahci-ich9", 256, 1, 0, 0, true, 5, 0xA0)] // conventional AHCI: MSI only, AF FLR
    [InlineData("0000:00:1f.3", "smbus-ich9", 256, 1, 0, 0, false, 0, 0xE0)] // SMBus: no reset method
    public void Info_EveryLabEndpointJson_ReportsTheDeviceView(string address, string model, int configSize, int intx, int msix, int err, bool resettable, int controlBar, int controlOffset)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("device", "info", address, "--host", $"sim:{CliRunner.Lab}", "--json");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement d = doc.RootElement;
        Assert.Equal(address, d.GetProperty("address").GetString());
        Assert.Equal("sim", d.GetProperty("backend").GetString());
        Assert.Equal(model, d.GetProperty("model").GetString());
        Assert.Equal(resettable, d.GetProperty("resettable").GetBoolean());
        Assert.Equal(resettable ? ["pci", "reset"] : ["pci"], Strings(d.GetProperty("flags")));
        JsonElement[] regions = [.. d.GetProperty("regions").EnumerateArray()];
        Assert.Equal(["BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "CONFIG", "VGA"], regions.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(Enumerable.Range(0, 9), regions.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(configSize, regions[7].GetProperty("size").GetInt32());
        Assert.Equal(["read", "write"], Strings(regions[7].GetProperty("flags")));
        Assert.Equal(0, regions[8].GetProperty("size").GetInt32());
        JsonElement[] irqs = [.. d.GetProperty("irqs").EnumerateArray()];
        Assert.Equal(["INTX", "MSI", "MSIX", "ERR", "REQ"], irqs.Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(intx, irqs[0].GetProperty("count").GetInt32());
        Assert.Equal(msix, irqs[2].GetProperty("count").GetInt32());
        Assert.Equal(err, irqs[3].GetProperty("count").GetInt32());
        Assert.Equal(1, irqs[4].GetProperty("count").GetInt32());
        if (controlBar < 0)
        {
            Assert.False(d.TryGetProperty("controlBlock", out _));
        }
        else
        {
            JsonElement block = d.GetProperty("controlBlock");
            Assert.Equal(controlBar, block.GetProperty("bar").GetInt32());
            Assert.Equal(controlOffset, block.GetProperty("offset").GetInt32());
            Assert.Equal(controlOffset + 0x18, block.GetProperty("registers")[5].GetProperty("offset").GetInt32());
        }
    }

    [Fact]
    public void Info_SimNvmeJson_RegionsIrqFlagsAndRegisters()
    {
        (int code, string stdout, _) = CliRunner.Run("device", "info", "06:00.0", "--host", $"sim:{CliRunner.Lab}", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement d = doc.RootElement;
        JsonElement bar0 = d.GetProperty("regions")[0];
        Assert.Equal(16384, bar0.GetProperty("size").GetInt64());
        Assert.Equal(["read", "write", "mmap"], Strings(bar0.GetProperty("flags")));
        // Only page 0x1000 holds neither the control block (0xF00), the PBA (0x2000) nor the table (0x3000).
        JsonElement area = Assert.Single(bar0.GetProperty("sparseAreas").EnumerateArray());
        Assert.Equal((0x1000, 0x1000), (area.GetProperty("offset").GetInt32(), area.GetProperty("size").GetInt32()));
        Assert.False(bar0.GetProperty("msixMappable").GetBoolean());
        JsonElement bar1 = d.GetProperty("regions")[1];
        Assert.Equal(0, bar1.GetProperty("size").GetInt64());
        Assert.Empty(Strings(bar1.GetProperty("flags")));
        JsonElement irqs = d.GetProperty("irqs");
        Assert.Equal(["eventfd", "maskable", "automasked"], Strings(irqs[0].GetProperty("flags")));
        Assert.Equal(["eventfd", "noresize"], Strings(irqs[1].GetProperty("flags")));
        Assert.Equal(["eventfd"], Strings(irqs[2].GetProperty("flags")));
        Assert.Equal(33, irqs[2].GetProperty("count").GetInt32());
        Assert.Equal(2, irqs[2].GetProperty("index").GetInt32());
        JsonElement[] registers = [.. d.GetProperty("controlBlock").GetProperty("registers").EnumerateArray()];
        Assert.Equal(["DOORBELL", "SCRATCH", "INTX_ACK", "IRQ_REQUESTED", "IRQ_SENT", "RESETS"], registers.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(["wo", "rw", "wo", "ro", "ro", "ro"], registers.Select(r => r.GetProperty("access").GetString()));
        Assert.Equal([0xF00, 0xF04, 0xF08, 0xF10, 0xF14, 0xF18], registers.Select(r => r.GetProperty("offset").GetInt32()));
        Assert.All(registers, r => Assert.Equal(4, r.GetProperty("size").GetInt32()));
    }

    [Fact]
    public void Info_SimNvmeText_TablesOfRegionsIrqsAndRegisters()
    {
        (int code, string stdout, string stderr) = CliRunner.Run("device", "info", "0000:06:00.0", "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
        string[] lines = stdout.TrimEnd().Split('\n');
        Assert.Equal("0000:06:00.0: simulated device, model nvme-970evo", lines[0]);
        Assert.Equal("Device flags: pci reset", lines[1]);
        Assert.Equal("Reset: function reset available", lines[2]);
        Assert.Equal(["0", "BAR0", "0x4000", "(16K)", "read", "write", "mmap", "no", "0x1000+0x1000"], Row(lines, "BAR0"));
        Assert.Equal(["7", "CONFIG", "0x1000", "(4K)", "read", "write", "no", "-"], Row(lines, "CONFIG"));
        Assert.Equal(["8", "VGA", "-", "-", "no", "-"], Row(lines, "VGA"));
        Assert.Equal(["2", "MSIX", "33", "eventfd"], Row(lines, "MSIX"));
        Assert.Equal(["3", "ERR", "1", "eventfd", "noresize"], Row(lines, "ERR"));
        Assert.Contains("Simulation control block: BAR0 + 0xf00 (32 bytes, aligned 32-bit access only)", lines);
        Assert.Equal(["SCRATCH", "BAR0+0xf04", "4", "rw"], Row(lines, "SCRATCH").Take(4));
    }

    [Fact]
    public void Info_SimHostBridgeText_SaysItHasNoControlBlock()
    {
        (int code, string stdout, _) = CliRunner.Run("device", "info", "00:00.0", "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(0, code);
        Assert.Contains("Reset: no function reset", stdout, StringComparison.Ordinal);
        Assert.EndsWith("Simulation control block: none", stdout.TrimEnd(), StringComparison.Ordinal);
    }

    // Every type-1 function of the lab host.
    [Theory]
    [InlineData("0000:00:01.0")] // root port with ACS
    [InlineData("0000:00:1c.0")] // PCH root port without ACS
    [InlineData("0000:00:1d.0")] // root port above the switch
    [InlineData("0000:03:00.0")] // switch upstream port
    [InlineData("0000:04:08.0")] // switch downstream port
    [InlineData("0000:04:09.0")] // switch downstream port
    [InlineData("0000:04:0a.0")] // switch downstream port without ACS
    public void Info_Bridge_RefusedInOneLine(string address)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("device", "info", address, "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal($"passage: {address} is a bridge: bridges stay with the host and cannot be opened as devices\n", stderr);
    }

    // Malformed or unknown addresses.
    [Theory]
    [InlineData("0000:09:00.0", 1, "passage: no function 0000:09:00.0 on simulated host 'lab': workstation-class lab host covering the passthrough seed cases")] // not on the host
    [InlineData("06:00", 2, "passage: '06:00' is not a PCI address (expected SSSS:BB:DD.F or BB:DD.F)")] // malformed
    public void Info_BadAddress_OneLineOnStderr(string address, int expectedCode, string expected)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("device", "info", address, "--host", $"sim:{CliRunner.Lab}");

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(expected + "\n", stderr);
    }

    [Fact]
    public void Info_SysfsHostWithoutVfio_SaysTheContainerIsMissing()
    {
        string sys = SysfsWithVirtioNic();
        string dev = Path.Combine(_temp, "dev-vfio");

        (int code, string stdout, string stderr) = CliRunner.RunWithRoots(sys, dev, "device", "info", "00:03.0");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal($"passage: cannot open 0000:00:03.0: {dev}/vfio not found: the vfio-pci module is not loaded or this machine has no IOMMU (ENOENT)\n", stderr);
    }

    [Fact]
    public void Info_SysfsHostUnknownAddress_NamesTheHost()
    {
        string sys = SysfsWithVirtioNic();

        (int code, _, string stderr) = CliRunner.RunWithRoots(sys, Path.Combine(_temp, "dev-vfio"), "device", "info", "00:04.0", "--host", $"sysfs:{sys}");

        Assert.Equal(1, code);
        Assert.StartsWith("passage: no function 0000:00:04.0 on ", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Info_DefaultHostWithoutPciSysfs_OpensTheLabDevice()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "bus", "pci", "devices"));

        (int code, string stdout, string stderr) = CliRunner.RunWithSysfs(_temp, "device", "info", "05:00.0", "--json");

        Assert.Equal(0, code);
        Assert.Contains("showing the simulated host hosts/lab.json", stderr, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("nic-i210", doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("irqs")[2].GetProperty("count").GetInt32());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The whitespace-separated cells of the one table row whose second cell (or first, for registers) is <paramref name="name"/>.</summary>
    private static string[] Row(string[] lines, string name) =>
        lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(cells => cells.Length > 1 && (cells[1] == name || cells[0] == name));

    /// <summary>A sysfs tree holding one function, a virtio NIC whose config space was captured from a VM.</summary>
    private string SysfsWithVirtioNic()
    {
        string sys = Path.Combine(_temp, "sys");
        string dir = Path.Combine(sys, "bus", "pci", "devices", "0000:00:03.0");
        Directory.CreateDirectory(dir);
        File.Copy(CliRunner.Fixture("vm-00_03.0.config.bin"), Path.Combine(dir, "config"));
        return sys;
    }
}
