using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Host.Tests.Sim;

public sealed class SimHostTests
{
    [Fact]
    public void Constructor_Lab_RunsEveryFunctionOnOneClock()
    {
        SimHost host = SimLab.Start();
        Assert.Equal(host.Inventory.Functions.Count, host.Functions.Count);
        Assert.All(host.Functions, f => Assert.True(f.IsReady));
        Assert.Equal("nic-i210", host.Get("0000:05:00.0").Model.Name);
    }

    [Theory]
    [InlineData("0000:00:1d.0", "0000:03:00.0,0000:04:08.0,0000:04:09.0,0000:04:0a.0,0000:05:00.0,0000:06:00.0,0000:07:00.0")] // root port above the switch
    [InlineData("0000:03:00.0", "0000:04:08.0,0000:04:09.0,0000:04:0a.0,0000:05:00.0,0000:06:00.0,0000:07:00.0")] // switch upstream port
    [InlineData("0000:00:01.0", "0000:01:00.0,0000:01:00.1")] // GPU slot: both functions
    [InlineData("0000:04:09.0", "0000:06:00.0")] // one downstream port
    public void SecondaryBusReset_Bridge_ResetsEveryFunctionBelow(string bridge, string below)
    {
        SimHost host = SimLab.Start();
        foreach (SimFunction f in host.Functions)
        {
            f.WriteConfig(ConfigOffsets.InterruptLine, 1, 0x0B);
        }

        SimResetResult result = host.SecondaryBusReset(PciAddress.Parse(bridge));
        string[] expected = below.Split(',');
        Assert.Equal(expected, result.Affected.Select(a => a.ToString()));
        Assert.Equal(TimeSpan.FromMilliseconds(102), result.Duration);
        Assert.True(result.Ready);
        foreach (SimFunction f in host.Functions)
        {
            bool reset = expected.Contains(f.Address.ToString());
            Assert.Equal(reset ? 1 : 0, f.ResetsPerformed);
            Assert.Equal(reset ? f.Function.Config.InterruptLine : 0x0B, (byte)f.ReadConfig(ConfigOffsets.InterruptLine, 1));
        }
    }

    [Fact]
    public void SecondaryBusReset_BridgeKeepsItsOwnState()
    {
        SimHost host = SimLab.Start();
        SimFunction port = host.Get("0000:00:01.0");
        port.WriteConfig(ConfigOffsets.InterruptLine, 1, 0x0B);
        host.SecondaryBusReset(port.Address);
        Assert.Equal(0x0Bu, port.ReadConfig(ConfigOffsets.InterruptLine, 1));
        Assert.Equal(0, port.ResetsPerformed);
        Assert.Equal(0, port.Read16(ConfigOffsets.BridgeControl) & ConfigOffsets.BridgeControlSecondaryBusReset);
    }

    [Fact]
    public void WriteConfig_BridgeControlSbr_HoldsChildrenUntilReleasedThenWaits100Ms()
    {
        SimHost host = SimLab.Start();
        SimFunction port = host.Get("0000:00:01.0");
        SimFunction gpu = host.Get("0000:01:00.0");
        SimFunction audio = host.Get("0000:01:00.1");
        gpu.WriteConfig(ConfigOffsets.InterruptLine, 1, 0x0B);

        Assert.Equal(ConfigEffects.SecondaryBusReset, port.WriteConfig(ConfigOffsets.BridgeControl, 2, ConfigOffsets.BridgeControlSecondaryBusReset));
        Assert.Equal(0xFFFF_FFFFu, gpu.ReadConfig(0, 4));
        Assert.Equal(0xFFFF_FFFFu, audio.ReadConfig(0, 4));
        host.Clock.Advance(TimeSpan.FromMilliseconds(2));
        port.WriteConfig(ConfigOffsets.BridgeControl, 2, 0);
        Assert.False(gpu.IsReady);

        host.Clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0x67DF_1002u, gpu.ReadConfig(0, 4));
        Assert.Equal(0xAAF0_1002u, audio.ReadConfig(0, 4));
        Assert.Equal(gpu.Function.Config.InterruptLine, (byte)gpu.ReadConfig(ConfigOffsets.InterruptLine, 1));
    }

    [Fact]
    public void SecondaryBusReset_ChildStuckInReset_ReportsNotReady()
    {
        SimHost host = SimLab.Start();
        host.Get("0000:06:00.0").StayInReset(TimeSpan.MaxValue);
        SimResetResult result = host.SecondaryBusReset(PciAddress.Parse("0000:04:09.0"));
        Assert.False(result.Ready);
        Assert.Equal(TimeSpan.FromMilliseconds(102 + 65_535), result.Duration);
    }

    [Theory]
    [InlineData("0000:05:00.0")] // an endpoint is no bridge
    [InlineData("0000:00:00.0")] // the host bridge has no secondary bus
    [InlineData("0000:09:00.0")] // no such function
    public void SecondaryBusReset_NotABridge_ThrowsEnotty(string address)
    {
        SimHost host = SimLab.Start();
        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(() => host.SecondaryBusReset(PciAddress.Parse(address))).Errno);
    }
}
