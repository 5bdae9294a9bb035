using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimulatedHostTests(LabHost lab) : IClassFixture<LabHost>
{
    [Fact]
    public void Load_Lab_EnumeratesBusesDepthFirst()
    {
        Assert.Equal(
        [
            "0000:00:00.0", "0000:00:01.0", "0000:00:1c.0", "0000:00:1d.0", "0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3",
            "0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:03:00.0", "0000:04:08.0", "0000:04:09.0", "0000:04:0a.0",
            "0000:05:00.0", "0000:06:00.0", "0000:07:00.0",
        ], lab.Inventory.Functions.Select(f => f.Address.ToString()));
    }

    [Theory]
    [InlineData("0000:00:01.0", 0, 1, 1)] // root port above the GPU pair
    [InlineData("0000:00:1c.0", 0, 2, 2)] // PCH root port above the Wi-Fi card
    [InlineData("0000:00:1d.0", 0, 3, 7)] // root port above the switch: buses 3–7
    [InlineData("0000:03:00.0", 3, 4, 7)] // switch upstream port
    [InlineData("0000:04:0a.0", 4, 7, 7)] // last downstream port
    public void Load_Lab_BridgeBusNumbersNestChildren(string address, int primary, int secondary, int subordinate)
    {
        var bridge = lab[address].Decoded.Bridge!;
        Assert.Equal((primary, secondary, subordinate), (bridge.PrimaryBus, bridge.SecondaryBus, bridge.SubordinateBus));
    }

    [Fact]
    public void Load_Lab_EveryBarIsNaturallyAlignedAndInsideEveryParentWindow()
    {
        foreach (HostFunction f in lab.Inventory.Functions)
        {
            foreach (BarResource r in f.Resources)
            {
                Assert.Equal(0UL, r.Start % r.Size);
                for (PciAddress? p = f.Parent; p is { } a; p = lab.Inventory.Find(a)!.Parent)
                {
                    var window = lab.Inventory.Find(a)!.Decoded.Bridge!;
                    bool io = (r.Flags & BarResource.IoFlag) != 0;
                    bool prefetch64 = (r.Flags & BarResource.PrefetchFlag) != 0 && (r.Flags & BarResource.Mem64Flag) != 0;
                    (ulong? start, ulong? end) = io ? (window.IoBase, window.IoLimit)
                        : prefetch64 ? (window.PrefetchableBase, window.PrefetchableLimit)
                        : (window.MemoryBase, window.MemoryLimit);
                    Assert.True(start <= r.Start && r.Start + r.Size - 1 <= end, $"{f.Address} resource {r.Index} at {r.Start:x} outside {a}'s window");
                }
            }
        }
    }

    [Fact]
    public void Load_Lab_ConfigSpaceBarsHoldPlacedAddresses()
    {
        HostFunction gpu = lab["0000:01:00.0"];
        PciBar vram = gpu.Decoded.Bars.Single(b => b.Index == 0);
        Assert.Equal(BarKind.Mem64, vram.Kind);
        Assert.True(vram.Prefetchable);
        Assert.Equal(gpu.Resources.Single(r => r.Index == 0).Start, vram.Address);
        Assert.Equal(256UL << 20, vram.Size);
        Assert.True(vram.Address >= 1UL << 32, "64-bit prefetchable BARs are placed above 4 GiB");
        Assert.Equal(128UL * 1024, gpu.Decoded.Rom!.Size);
        Assert.False(gpu.Decoded.Rom.Enabled);
    }

    [Fact]
    public void Load_Lab_MultiFunctionBitSetOnlyWhereSlotsShareADevice()
    {
        Assert.True(lab["0000:01:00.0"].Config.IsMultiFunction);
        Assert.True(lab["0000:01:00.1"].Config.IsMultiFunction);
        Assert.True(lab["0000:00:1f.2"].Config.IsMultiFunction);
        Assert.False(lab["0000:05:00.0"].Config.IsMultiFunction);
        Assert.False(lab["0000:00:01.0"].Config.IsMultiFunction);
    }

    [Fact]
    public void Load_Lab_ConfigSpacesAreWellFormed()
    {
        foreach (HostFunction f in lab.Inventory.Functions)
        {
            Assert.Empty(f.Decoded.Problems);
            Assert.True(f.Config.IsPresent);
            // Capabilities never overlap each other or the header.
            var spans = f.Decoded.Capabilities.Concat(f.Decoded.ExtendedCapabilities)
                .Select(c => (Start: c.Entry.Offset, End: c.Entry.Offset + (c.Decoded?.Length ?? 4)))
                .OrderBy(s => s.Start).ToList();
            for (int i = 1; i < spans.Count; i++)
            {
                Assert.True(spans[i - 1].End <= spans[i].Start, $"{f.Address}: capability at 0x{spans[i - 1].Start:x} overlaps 0x{spans[i].Start:x}");
            }

            Assert.All(spans, s => Assert.True(s.Start >= 0x40));
        }
    }

    [Fact]
    public void Load_Lab_ConventionalFunctionsHave256BytesExpressOnes4096()
    {
        Assert.Equal(256, lab["0000:00:1f.2"].Config.Length);
        Assert.Null(lab["0000:00:1f.2"].Decoded.Pcie);
        Assert.Equal(4096, lab["0000:06:00.0"].Config.Length);
        Assert.Equal(PcieDeviceType.Endpoint, lab["0000:06:00.0"].Decoded.Pcie!.DeviceType);
    }

    [Theory]
    [InlineData("0000:05:00.0", "vfio-pci")] // topology override
    [InlineData("0000:06:00.0", "nvme")] // model default
    [InlineData("0000:07:00.0", null)] // empty string = unbound
    [InlineData("0000:00:1d.0", "pcieport")] // ports
    [InlineData("0000:00:00.0", null)] // host bridge has no driver
    public void Load_Lab_DriversFollowTopologyThenModel(string address, string? driver)
    {
        Assert.Equal(driver, lab[address].Driver);
    }

    [Fact]
    public void Load_Lab_CommandEnablesDecodeAndBusMasterOnlyForHostDrivers()
    {
        PciCommand nvme = lab["0000:06:00.0"].Config.Command;
        PciCommand vfio = lab["0000:05:00.0"].Config.Command;
        Assert.Equal(PciCommand.MemorySpace | PciCommand.BusMaster, nvme);
        Assert.Equal(PciCommand.IoSpace | PciCommand.MemorySpace, vfio);
    }

    [Fact]
    public void Load_Lab_KnownRegistersComeFromTheModel()
    {
        Assert.Contains(lab["0000:02:00.0"].KnownRegisters, r => r.Bar == 0 && r.Offset == 0x2800 && r.Name == "control registers");
    }
}
