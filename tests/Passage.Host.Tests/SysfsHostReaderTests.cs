using System.Globalization;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Pci;

namespace Passage.Host.Tests;

public sealed class SysfsHostReaderTests : IDisposable
{
    private const string Bridge = "0000:00:01.0";
    private const string Endpoint = "0000:01:00.0";
    private const string AllZero = "0x0000000000000000 0x0000000000000000 0x0000000000000000";

    private readonly string _temp;
    private readonly string _sys;

    public SysfsHostReaderTests()
    {
        _temp = Path.Combine(Path.GetTempPath(), "passage-sysfs-" + Guid.NewGuid().ToString("N"));
        _sys = Path.Combine(_temp, "sys");
        Directory.CreateDirectory(Path.Combine(_sys, "bus", "pci", "devices"));
        Directory.CreateDirectory(Path.Combine(_sys, "kernel"));
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Read_NestedFunction_ReportsIdentityDriverGroupResetAndNuma()
    {
        AddBridge();
        string dir = AddFunction([Bridge, Endpoint], IntelNic().Build());
        Link(dir, "driver", "bus/pci/drivers/vfio-pci");
        Link(dir, "iommu_group", "kernel/iommu_groups/7");
        AddGroupMember(7, [Bridge, Endpoint]);
        Write(dir, "reset_method", "flr bus\n");
        Write(dir, "numa_node", "1\n");

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(0x8086, function.Config.VendorId);
        Assert.Equal(0x1533, function.Config.DeviceId);
        Assert.Equal(0x020000, function.Config.ClassCode);
        Assert.Equal("vfio-pci", function.Driver);
        Assert.Equal(7, function.IommuGroup);
        Assert.Equal(["flr", "bus"], function.ResetMethods);
        Assert.Equal(1, function.NumaNode);
        Assert.Null(function.Model);
    }

    [Fact]
    public void Read_UnboundFunctionWithoutGroup_ReportsNulls()
    {
        AddFunction([Endpoint], IntelNic().Build());

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Null(function.Driver);
        Assert.Null(function.IommuGroup);
        Assert.Empty(function.ResetMethods);
        Assert.Null(function.NumaNode);
    }

    [Fact]
    public void Read_ResourceFile_ReportsBarsRomAndIgnoresLaterLines()
    {
        ConfigSpace config = IntelNic()
            .Bar(0, BarKind.Mem32, 0xFE00_0000)
            .Bar(2, BarKind.Io, 0xE000)
            .Bar(3, BarKind.Mem64, 0x60_0000_0000, prefetchable: true)
            .Build();
        string dir = AddFunction([Endpoint], config);
        Write(dir, "resource", string.Join('\n',
            "0x00000000fe000000 0x00000000fe01ffff 0x0000000000040200", // BAR0: 128 KiB memory
            AllZero, // BAR1: not implemented
            "0x000000000000e000 0x000000000000e01f 0x0000000000040101", // BAR2: 32 bytes of I/O
            "0x0000006000000000 0x00000060003fffff 0x000000000014220c", // BAR3: 4 MiB 64-bit prefetchable
            AllZero, // BAR4: upper half of BAR3
            "0x0000000000000000 0x0000000000000fff 0x0000000020040200", // BAR5: implemented, left unassigned
            "0x00000000fe020000 0x00000000fe02ffff 0x0000000000046200", // ROM: 64 KiB
            "0x00000000fd000000 0x00000000fd00ffff 0x0000000000040200", // VF BAR0: not this function's
            string.Empty));

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(
            [
                new BarResource(0, 0xFE00_0000, 0x2_0000, 0x40200),
                new BarResource(2, 0xE000, 0x20, 0x40101),
                new BarResource(3, 0x60_0000_0000, 0x40_0000, 0x14220C),
                new BarResource(5, 0, 0x1000, 0x2004_0200),
                new BarResource(BarResource.RomIndex, 0xFE02_0000, 0x1_0000, 0x46200),
            ],
            function.Resources);
        Assert.Equal(0x40_0000UL, function.BarSize(3));
        PciBar bar3 = Assert.Single(function.Decoded.Bars, b => b.Index == 3);
        Assert.Equal(BarKind.Mem64, bar3.Kind);
        Assert.Equal(0x40_0000UL, bar3.Size);
    }

    [Theory]
    [InlineData("0x00000000fe000000 0x00000000fe000fff 0x0000000000040200", 0x1000UL)] // a well-formed 4 KiB BAR
    [InlineData("0x0000000000000000 0x000000000000ffff 0x0000000020040200", 0x1_0000UL)] // unassigned: start 0, UNSET, size kept
    [InlineData("  0x1000\t0x1fff   0x200  ", 0x1000UL)] // odd spacing and short digits still parse
    [InlineData(AllZero, 0UL)] // not implemented
    [InlineData("garbage", 0UL)] // not three fields
    [InlineData("0x1000 0x1fff", 0UL)] // a field missing
    [InlineData("0x1000 0x1fff 0x200 0x0", 0UL)] // a field too many
    [InlineData("0x1000 0x1fff 0xzz", 0UL)] // not hexadecimal
    [InlineData("1000 1fff 200", 0UL)] // no 0x prefix
    [InlineData("0x2000 0x1fff 0x200", 0UL)] // end before start
    [InlineData("0x0000000000000000 0xffffffffffffffff 0x200", 0UL)] // a size that does not fit 64 bits
    [InlineData("0x10000000000000000 0x10000000000000fff 0x200", 0UL)] // wider than 64 bits
    public void Read_ResourceLine_KeepsSizeOrSkipsLine(string line, ulong expectedSize)
    {
        string dir = AddFunction([Endpoint], IntelNic().Build());
        Write(dir, "resource", line + "\n" + AllZero + "\n");

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        if (expectedSize == 0)
        {
            Assert.Empty(function.Resources);
        }
        else
        {
            Assert.Equal(expectedSize, Assert.Single(function.Resources).Size);
        }
    }

    [Fact]
    public void Read_GarbledResourceLine_KeepsLineNumbersOfTheOthers()
    {
        string dir = AddFunction([Endpoint], IntelNic().Build());
        Write(dir, "resource", "\u0001\u0002\u0003\n0x00000000fe000000 0x00000000fe000fff 0x0000000000040200\n");

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(1, Assert.Single(function.Resources).Index);
    }

    [Fact]
    public void Read_FunctionBehindBridge_HasBridgeAsParent()
    {
        AddBridge();
        AddFunction([Bridge, Endpoint], IntelNic().Build());

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.Equal(PciAddress.Parse(Bridge), inventory.Find(PciAddress.Parse(Endpoint))?.Parent);
        Assert.Equal([Endpoint], inventory.Below(PciAddress.Parse(Bridge)).Select(f => f.Address.ToString()));
    }

    [Fact]
    public void Read_FunctionOnRootBus_HasNoParent()
    {
        AddBridge();

        HostFunction bridge = Single(new SysfsHostReader(_sys).Read(), Bridge);

        Assert.Null(bridge.Parent);
        Assert.True(bridge.IsBridge);
    }

    [Fact]
    public void Read_TwoBridgesDeep_ParentIsNearestBridge()
    {
        const string Downstream = "0000:02:00.0";
        const string Device = "0000:03:00.0";
        AddBridge();
        AddFunction([Bridge, Endpoint], BridgeConfig());
        AddFunction([Bridge, Endpoint, Downstream], BridgeConfig());
        AddFunction([Bridge, Endpoint, Downstream, Device], IntelNic().Build());

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.Equal(PciAddress.Parse(Downstream), inventory.Find(PciAddress.Parse(Device))?.Parent);
        Assert.Equal([Endpoint, Downstream, Device], inventory.Below(PciAddress.Parse(Bridge)).Select(f => f.Address.ToString()));
    }

    [Fact]
    public void Read_UnprivilegedSixtyFourByteCapture_KeepsDeviceHeader()
    {
        // Without CAP_SYS_ADMIN config yields the 64-byte header only; the device's own header
        // wins over the cached attribute files (which a kernel quirk may have rewritten).
        byte[] full = IntelNic().Interrupt(1, 11).ToArray();
        string dir = AddFunction([Endpoint], full.AsSpan(0, 64).ToArray());
        WriteIdentity(dir, 0x8086, 0x1533, 0x0c0330, 3);

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(64, function.Config.Length);
        Assert.Equal(0x8086, function.Config.VendorId);
        Assert.Equal(0x1533, function.Config.DeviceId);
        Assert.Equal(0x020000, function.Config.ClassCode);
        Assert.Equal(11, function.Config.InterruptLine);
    }

    [Fact]
    public void Read_AllOnesHeader_TakesIdentityFromAttributes()
    {
        // A function in D3cold (or gone from the bus) answers config reads with all ones.
        string dir = AddFunction([Endpoint], Enumerable.Repeat((byte)0xFF, 64).ToArray());
        WriteIdentity(dir, 0x10DE, 0x2204, 0x030000, 0xA1);

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(0x10DE, function.Config.VendorId);
        Assert.Equal(0x2204, function.Config.DeviceId);
        Assert.Equal(0x030000, function.Config.ClassCode);
        Assert.Equal(0xA1, function.Config.RevisionId);
        Assert.Equal(HeaderLayout.Endpoint, function.Config.Layout);
    }

    [Fact]
    public void Read_ShortCapture_KeepsCapturedBytesAndAddsIdentity()
    {
        byte[] full = IntelNic().Command(PciCommand.MemorySpace | PciCommand.BusMaster).ToArray();
        string dir = AddFunction([Endpoint], full.AsSpan(0, 8).ToArray());
        WriteIdentity(dir, 0x8086, 0x1533, 0x020000, 3);

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(64, function.Config.Length);
        Assert.Equal(PciCommand.MemorySpace | PciCommand.BusMaster, function.Config.Command);
        Assert.Equal(0x020000, function.Config.ClassCode);
        Assert.Equal(3, function.Config.RevisionId);
    }

    [Fact]
    public void Read_MissingConfig_RebuildsHeaderFromAttributes()
    {
        string dir = AddFunctionWithoutConfig([Endpoint]);
        WriteIdentity(dir, 0x10DE, 0x2204, 0x030000, 0xA1);
        Write(dir, "subsystem_vendor", "0x1458\n");
        Write(dir, "subsystem_device", "0x403b\n");
        Write(dir, "resource", string.Join('\n',
            "0x00000000fb000000 0x00000000fbffffff 0x0000000000040200", // BAR0: 16 MiB registers
            "0x0000006000000000 0x000000607fffffff 0x000000000014220c", // BAR1: 2 GiB 64-bit prefetchable
            AllZero, // BAR2: upper half of BAR1
            AllZero, // BAR3: not implemented
            AllZero, // BAR4: not implemented
            "0x000000000000f000 0x000000000000f07f 0x0000000000040101", // BAR5: I/O
            string.Empty));

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(0x10DE, function.Config.VendorId);
        Assert.Equal(0x2204, function.Config.DeviceId);
        Assert.Equal(0x030000, function.Config.ClassCode);
        Assert.Equal(0xA1, function.Config.RevisionId);
        Assert.Equal(0x1458, function.Config.SubsystemVendorId);
        Assert.Equal(0x403B, function.Config.SubsystemId);
        Assert.Equal(
            [(0, BarKind.Mem32, false, 0x100_0000UL), (1, BarKind.Mem64, true, 0x8000_0000UL), (5, BarKind.Io, false, 0x80UL)],
            function.Decoded.Bars.Select(b => (b.Index, b.Kind, b.Prefetchable, b.Size ?? 0)));
    }

    [Fact]
    public void Read_UnreadableConfig_RebuildsHeaderFromAttributes()
    {
        // A directory where the file should be cannot be opened for reading, even by root.
        string dir = AddFunctionWithoutConfig([Endpoint]);
        Directory.CreateDirectory(Path.Combine(dir, "config"));
        WriteIdentity(dir, 0x8086, 0x1533, 0x020000, 3);

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(0x8086, function.Config.VendorId);
        Assert.Equal(0x1533, function.Config.DeviceId);
        Assert.Equal(0x020000, function.Config.ClassCode);
    }

    [Theory]
    [InlineData(0x060400, HeaderLayout.Bridge)] // PCI-to-PCI bridge
    [InlineData(0x060401, HeaderLayout.Bridge)] // subtractive-decode PCI-to-PCI bridge
    [InlineData(0x060900, HeaderLayout.Bridge)] // semi-transparent bridge
    [InlineData(0x060700, HeaderLayout.CardBus)] // CardBus bridge
    [InlineData(0x060000, HeaderLayout.Endpoint)] // host bridge: a type 0 header
    [InlineData(0x010802, HeaderLayout.Endpoint)] // NVMe controller
    public void Read_MissingConfig_LayoutFollowsClass(int classCode, HeaderLayout expected)
    {
        string dir = AddFunctionWithoutConfig([Endpoint]);
        WriteIdentity(dir, 0x8086, 0x1234, classCode, 0);

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), Endpoint);

        Assert.Equal(expected, function.Config.Layout);
    }

    [Fact]
    public void Read_GarbledAttributes_KeepsFunctionWithUnknownParts()
    {
        string dir = AddFunctionWithoutConfig([Endpoint]);
        Write(dir, "vendor", "garbage\n");
        Write(dir, "device", "0x12345\n");
        Write(dir, "class", string.Empty);
        Write(dir, "revision", "0x100\n");
        Write(dir, "numa_node", "banana\n");
        Write(dir, "reset_method", "flr \u0001\u0002 bus\n");
        Write(dir, "resource", "\u00ff\u00fe\u0000 binary junk\n");
        Write(dir, "driver", "not a link\n");
        Link(dir, "iommu_group", "kernel/iommu_groups/seven");
        AddFunction(["0000:02:00.0"], IntelNic().Build());

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        HostFunction function = Single(inventory, Endpoint);
        Assert.Equal(0, function.Config.VendorId);
        Assert.Equal(0, function.Config.DeviceId);
        Assert.Equal(0, function.Config.RevisionId);
        Assert.Null(function.Driver);
        Assert.Null(function.IommuGroup);
        Assert.Null(function.NumaNode);
        Assert.Equal(["flr", "bus"], function.ResetMethods);
        Assert.Empty(function.Resources);
        Assert.Equal(0x8086, Single(inventory, "0000:02:00.0").Config.VendorId);
    }

    [Fact]
    public void Read_RandomConfigBytes_DoesNotThrow()
    {
        var random = new Random(20_240_601);
        for (int i = 0; i < 8; i++)
        {
            byte[] bytes = new byte[ConfigOffsets.ExtendedSize];
            random.NextBytes(bytes);
            AddFunction([string.Create(CultureInfo.InvariantCulture, $"0000:0{i + 1}:00.0")], bytes);
        }

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.Equal(8, inventory.Functions.Count);
    }

    [Theory]
    [InlineData("0\n", 0)] // the first node
    [InlineData("3\n", 3)] // another node
    [InlineData("-1\n", null)] // the kernel's "no node"
    [InlineData("", null)] // empty
    [InlineData("1.5\n", null)] // not an integer
    public void Read_NumaNode_ParsesOrIsNull(string text, int? expected)
    {
        string dir = AddFunction([Endpoint], IntelNic().Build());
        Write(dir, "numa_node", text);

        Assert.Equal(expected, Single(new SysfsHostReader(_sys).Read(), Endpoint).NumaNode);
    }

    [Theory]
    [InlineData("flr pm bus\n", new[] { "flr", "pm", "bus" })] // the kernel's order is kept
    [InlineData("device_specific flr\n", new[] { "device_specific", "flr" })] // a quirk comes first
    [InlineData("bus", new[] { "bus" })] // no trailing newline
    [InlineData("\n", new string[0])] // reset disabled by writing an empty list
    [InlineData("", new string[0])] // empty file
    public void Read_ResetMethod_ListsNames(string text, string[] expected)
    {
        string dir = AddFunction([Endpoint], IntelNic().Build());
        Write(dir, "reset_method", text);

        Assert.Equal(expected, Single(new SysfsHostReader(_sys).Read(), Endpoint).ResetMethods);
    }

    [Fact]
    public void Read_EntriesThatAreNoAddresses_AreIgnored()
    {
        AddFunction([Endpoint], IntelNic().Build());
        Directory.CreateDirectory(Path.Combine(_sys, "bus", "pci", "devices", "not-a-function"));
        File.WriteAllText(Path.Combine(_sys, "bus", "pci", "devices", "0000:01:00.9"), "function 9 does not exist");

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.Equal([Endpoint], inventory.Functions.Select(f => f.Address.ToString()));
    }

    [Fact]
    public void Read_SameAddressSpelledTwice_ListsItOnce()
    {
        AddFunction([Endpoint], IntelNic().Build());
        Directory.CreateSymbolicLink(Path.Combine(_sys, "bus", "pci", "devices", "01:00.0"), "../../../devices/pci0000:00/" + Endpoint);

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.Single(inventory.Functions);
    }

    [Fact]
    public void Read_MissingDeviceList_ThrowsNamingThePath()
    {
        string root = Path.Combine(_temp, "nowhere");

        HostInventoryException e = Assert.Throws<HostInventoryException>(() => new SysfsHostReader(root).Read());

        Assert.Contains(Path.Combine(root, "bus", "pci", "devices"), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Read_NoIommuGroups_ReportsNoIommu()
    {
        AddFunction([Endpoint], IntelNic().Build());

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.False(inventory.IommuPresent);
        Assert.Equal("sysfs", inventory.Source);
        Assert.Equal($"Linux sysfs at {_sys}: 1 function, no IOMMU groups", inventory.Description);
    }

    [Fact]
    public void Read_EmptyIommuGroupDirectory_ReportsNoIommu()
    {
        AddFunction([Endpoint], IntelNic().Build());
        Directory.CreateDirectory(Path.Combine(_sys, "kernel", "iommu_groups"));

        Assert.False(new SysfsHostReader(_sys).Read().IommuPresent);
    }

    [Fact]
    public void Read_IommuGroups_ReportsIommuAndCountsGroups()
    {
        AddBridge();
        string dir = AddFunction([Bridge, Endpoint], IntelNic().Build());
        Link(dir, "iommu_group", "kernel/iommu_groups/7");
        AddGroupMember(7, [Bridge, Endpoint]);
        AddGroupMember(2, [Bridge]);

        HostInventory inventory = new SysfsHostReader(_sys).Read();

        Assert.True(inventory.IommuPresent);
        Assert.Equal($"Linux sysfs at {_sys}: 2 functions, 2 IOMMU groups", inventory.Description);
        Assert.Equal([Endpoint], inventory.GroupMembers(7).Select(f => f.Address.ToString()));
    }

    [Fact]
    public void Read_VirtioFunction_ListsVirtioRegisterRanges()
    {
        byte[] config = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vm-00_02.0.config.bin"));
        string dir = AddFunction(["0000:00:02.0"], config);
        Write(dir, "resource", "0x0000004000080000 0x00000040000fffff 0x0000000000140204\n");
        Link(dir, "driver", "bus/pci/drivers/virtio-pci");

        HostFunction function = Single(new SysfsHostReader(_sys).Read(), "0000:00:02.0");

        Assert.Equal(
            ["virtio common config", "virtio ISR", "virtio device config", "virtio notify"],
            function.KnownRegisters.Select(r => r.Name));
        Assert.All(function.KnownRegisters, r => Assert.Equal(0, r.Bar));
        Assert.Equal(0x8_0000UL, function.BarSize(0));
        Assert.Equal("virtio-pci", function.Driver);
    }

    [Fact]
    public void HasPciDevices_DeviceListed_IsTrue()
    {
        AddFunction([Endpoint], IntelNic().Build());

        Assert.True(new SysfsHostReader(_sys).HasPciDevices);
    }

    [Fact]
    public void HasPciDevices_EmptyDeviceList_IsFalse()
    {
        Assert.False(new SysfsHostReader(_sys).HasPciDevices);
    }

    [Fact]
    public void HasPciDevices_MissingRoot_IsFalse()
    {
        Assert.False(new SysfsHostReader(Path.Combine(_temp, "nowhere")).HasPciDevices);
    }

    [Fact]
    public void Read_ThisMachine_ListsEveryFunctionWithItsIds()
    {
        const string Devices = "/sys/bus/pci/devices";
        string[] entries = Directory.Exists(Devices) ? Directory.GetFileSystemEntries(Devices) : [];
        if (entries.Length == 0)
        {
            Assert.Skip("this machine exposes no PCI functions in /sys/bus/pci/devices");
        }

        HostInventory inventory = new SysfsHostReader().Read();

        Assert.Equal(entries.Length, inventory.Functions.Count);
        Assert.StartsWith($"Linux sysfs at /sys: {entries.Length} function", inventory.Description, StringComparison.Ordinal);
        foreach (string entry in entries)
        {
            HostFunction? function = inventory.Find(PciAddress.Parse(Path.GetFileName(entry)));
            Assert.NotNull(function);
            Assert.Equal(HexFile(Path.Combine(entry, "vendor")), function.Config.VendorId);
            Assert.Equal(HexFile(Path.Combine(entry, "device")), function.Config.DeviceId);
        }

        if (inventory.Functions.Any(f => f.IommuGroup is not null))
        {
            Assert.True(inventory.IommuPresent);
        }
    }

    private static int HexFile(string path) =>
        int.Parse(File.ReadAllText(path).Trim().AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static HostFunction Single(HostInventory inventory, string address) =>
        Assert.IsType<HostFunction>(inventory.Find(PciAddress.Parse(address)));

    private static ConfigSpaceBuilder IntelNic() =>
        new ConfigSpaceBuilder().Identity(0x8086, 0x1533, 0x020000, revision: 3).Subsystem(0x8086, 0x0001);

    private static byte[] BridgeConfig() =>
        new ConfigSpaceBuilder().Identity(0x8086, 0x1901, 0x060400, layout: HeaderLayout.Bridge).ToArray();

    private static void Write(string dir, string name, string text) => File.WriteAllText(Path.Combine(dir, name), text);

    private static void WriteIdentity(string dir, int vendor, int device, int classCode, int revision)
    {
        Write(dir, "vendor", string.Create(CultureInfo.InvariantCulture, $"0x{vendor:x4}\n"));
        Write(dir, "device", string.Create(CultureInfo.InvariantCulture, $"0x{device:x4}\n"));
        Write(dir, "class", string.Create(CultureInfo.InvariantCulture, $"0x{classCode:x6}\n"));
        Write(dir, "revision", string.Create(CultureInfo.InvariantCulture, $"0x{revision:x2}\n"));
    }

    private static string Up(string dir, string sys) =>
        string.Concat(Enumerable.Repeat("../", Path.GetRelativePath(sys, dir).Split('/').Length));

    private void AddBridge() => AddFunction([Bridge], BridgeConfig());

    private string AddFunction(string[] chain, ConfigSpace config) => AddFunction(chain, config.Bytes.ToArray());

    private string AddFunctionWithoutConfig(string[] chain) => AddFunction(chain, (byte[]?)null);

    /// <summary>
    /// Creates <c>devices/pci0000:00/…chain…</c> and its <c>bus/pci/devices</c> link, as Linux
    /// lays them out, with <paramref name="config"/> (none when null) and identity files for it.
    /// </summary>
    private string AddFunction(string[] chain, byte[]? config)
    {
        string relative = "devices/pci0000:00/" + string.Join('/', chain);
        string dir = Path.Combine(_sys, relative);
        Directory.CreateDirectory(dir);
        Directory.CreateSymbolicLink(Path.Combine(_sys, "bus", "pci", "devices", chain[^1]), "../../../" + relative);
        if (config is not null)
        {
            File.WriteAllBytes(Path.Combine(dir, "config"), config);
            if (config.Length >= 64 && new ConfigSpace(config) is { IsPresent: true } c)
            {
                WriteIdentity(dir, c.VendorId, c.DeviceId, c.ClassCode, c.RevisionId);
            }
        }

        return dir;
    }

    private void Link(string dir, string name, string targetUnderSys)
    {
        Directory.CreateDirectory(Path.Combine(_sys, targetUnderSys));
        Directory.CreateSymbolicLink(Path.Combine(dir, name), Up(dir, _sys) + targetUnderSys);
    }

    private void AddGroupMember(int group, string[] chain)
    {
        string devices = Path.Combine(_sys, "kernel", "iommu_groups", group.ToString(CultureInfo.InvariantCulture), "devices");
        Directory.CreateDirectory(devices);
        Directory.CreateSymbolicLink(Path.Combine(devices, chain[^1]), Up(devices, _sys) + "devices/pci0000:00/" + string.Join('/', chain));
    }
}
