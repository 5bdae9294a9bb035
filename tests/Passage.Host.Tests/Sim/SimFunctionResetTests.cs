using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimFunctionResetTests
{
    [Theory]
    [InlineData("0000:05:00.0", "flr", 100)] // NIC: TP clear at the first check, then 100 ms
    [InlineData("0000:06:00.0", "flr", 100)] // NVMe
    [InlineData("0000:02:00.0", "flr", 100)] // Wi-Fi
    [InlineData("0000:07:00.0", "flr", 100)] // T5 VF
    [InlineData("0000:00:1f.2", "af_flr", 100)] // AHCI: AF FLR, same waits
    [InlineData("0000:02:00.0", "pm", 20)] // Wi-Fi: 10 ms in D3hot, 10 ms after D0
    [InlineData("0000:00:01.0", "pm", 20)] // root port: PM
    [InlineData("0000:05:00.0", "bus", 102)] // NIC: SBR held 2 ms, then 100 ms
    [InlineData("0000:02:00.0", "bus", 102)] // Wi-Fi below the PCH root port
    public void Reset_Method_ChargesItsExactCost(string address, string method, int milliseconds)
    {
        SimHost host = SimLab.Start();
        SimFunction f = host.Get(address);
        SimResetResult result = f.Reset(method);
        Assert.Equal(method, result.Method);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), result.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), host.Clock.Now);
        Assert.True(result.Ready);
        Assert.Contains(f.Address, result.Affected);
        Assert.Equal(1, f.ResetsPerformed);
    }

    [Theory]
    [InlineData(150, 400)] // TP clears between the +100 and +300 checks: 300 + 100
    [InlineData(50, 200)] // clears before the +100 check: 100 + 100
    [InlineData(int.MaxValue, 800)] // never clears: 100 + 200 + 400, FLR anyway, + 100
    public void Reset_FlrWithTransactionsPending_WaitsForTheChecks(int pendingMs, int totalMs)
    {
        SimHost host = SimLab.Start();
        SimFunction nic = host.Get("0000:05:00.0");
        nic.HoldTransactionsPending(pendingMs == int.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(pendingMs));
        int devsta = nic.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceStatusOffset;
        Assert.NotEqual(0, nic.Read16(devsta) & PciExpressCapability.TransactionsPending);

        SimResetResult result = nic.Reset("flr");
        Assert.Equal(TimeSpan.FromMilliseconds(totalMs), result.Duration);
        Assert.Equal(0, nic.Read16(devsta) & PciExpressCapability.TransactionsPending);
    }

    [Fact]
    public void Reset_AfFlrWithTransactionsPending_ChecksAfStatus()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        ahci.HoldTransactionsPending(TimeSpan.FromMilliseconds(50));
        Assert.Equal(1u, ahci.ReadConfig(ahci.Function.Decoded.AdvancedFeatures!.Offset + 5, 1) & 1);
        Assert.Equal(TimeSpan.FromMilliseconds(200), ahci.Reset("af_flr").Duration);
    }

    [Fact]
    public void Reset_Flr_ReturnsConfigToPowerOnAndClearsMsix()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        ReadOnlySpan<byte> powerOn = nic.Function.Config.Bytes;
        nic.EnableMsix(MsixCapability.FunctionMask);
        nic.ProgramEntry(0, 0xFEE0_0000, 0x41, masked: false);
        nic.RaiseInterrupt(0);
        nic.WriteConfig(ConfigOffsets.Bar0, 4, 0x1234_0000);
        nic.WriteConfig(ConfigOffsets.InterruptLine, 1, 0x0B);
        nic.WriteConfig(nic.Function.Decoded.Msi!.Offset + 4, 4, 0xFEE0_0000);

        nic.Reset("flr");
        // Hardware reset values: what firmware programmed (Command, cache line, latency, BAR and ROM
        // addresses, interrupt line) is cleared; BAR type bits and everything else are as built.
        byte[] expected = powerOn.ToArray();
        expected.AsSpan(ConfigOffsets.Command, 2).Clear();
        expected.AsSpan(ConfigOffsets.CacheLineSize, 2).Clear();
        expected[ConfigOffsets.InterruptLine] = 0;
        BitConverter.TryWriteBytes(expected.AsSpan(0x10), 0u); // BAR0, 32-bit memory
        BitConverter.TryWriteBytes(expected.AsSpan(0x18), 1u); // BAR2, I/O: the I/O bit stays
        BitConverter.TryWriteBytes(expected.AsSpan(0x1C), 0u); // BAR3, 32-bit memory
        BitConverter.TryWriteBytes(expected.AsSpan(ConfigOffsets.RomBar), 0u);
        for (int offset = 0; offset < expected.Length; offset += 4)
        {
            Assert.Equal(BitConverter.ToUInt32(expected, offset), nic.ReadConfig(offset, 4));
        }

        Assert.Equal(1UL, nic.ReadBar(3, 12, 4));
        Assert.Equal(0UL, nic.ReadBar(3, 0, 8));
        Assert.False(nic.IsMsixPending(0));
    }

    [Fact]
    public void Reset_Flr_KeepsStickyAerBits()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        int aer = nic.Function.Decoded.Aer!.Offset;
        nic.WriteConfig(aer + AerCapability.UncorrectableMaskOffset, 4, 1u << 14);
        nic.InjectUncorrectableError(12);
        nic.InjectCorrectableError(6);

        nic.Reset("flr");
        Assert.Equal(1u << 12, nic.ReadConfig(aer + AerCapability.UncorrectableStatusOffset, 4));
        Assert.Equal(1u << 14, nic.ReadConfig(aer + AerCapability.UncorrectableMaskOffset, 4));
        Assert.Equal(1u << 6, nic.ReadConfig(aer + AerCapability.CorrectableStatusOffset, 4));
        int devsta = nic.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceStatusOffset;
        Assert.Equal(0, nic.Read16(devsta) & 0xF);
    }

    [Fact]
    public void Reset_Flr_DeassertsIntx()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.RaiseInterrupt(0);
        nic.Reset("flr");
        Assert.Equal([true, false], sink.Intx);
        Assert.Equal(0, nic.Read16(ConfigOffsets.Status) & (int)PciStatus.InterruptStatus);
    }

    [Fact]
    public void WriteConfig_InitiateFlr_NotReadyFor100Milliseconds()
    {
        SimHost host = SimLab.Start();
        SimFunction nic = host.Get("0000:05:00.0");
        nic.WriteConfig(nic.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset, 2, PciExpressCapability.InitiateFlr);
        host.Clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0xFFFF_FFFFu, nic.ReadConfig(0, 4));
        host.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0x1533_8086u, nic.ReadConfig(0, 4));
    }

    [Theory]
    [InlineData("0000:01:00.0", "flr")] // GPU: no FLR
    [InlineData("0000:01:00.0", "pm")] // GPU: PM quirked off
    [InlineData("0000:01:00.0", "bus")] // GPU: shares its bus with the audio function
    [InlineData("0000:05:00.0", "pm")] // NIC: No_Soft_Reset set
    [InlineData("0000:05:00.0", "acpi")] // no _RST
    [InlineData("0000:00:1f.3", "flr")] // SMBus: nothing at all
    [InlineData("0000:00:1f.2", "bus")] // AHCI: root bus
    public void Reset_UnsupportedMethod_ThrowsEnotty(string address, string method)
    {
        SimHost host = SimLab.Start();
        SimFunction f = host.Get(address);
        HostDeviceException e = Assert.Throws<HostDeviceException>(() => f.Reset(method));
        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Equal(TimeSpan.Zero, host.Clock.Now);
        Assert.Equal(0, f.ResetsPerformed);
    }

    [Fact]
    public void Reset_NoMethodAtAll_ThrowsEnotty()
    {
        SimFunction smbus = SimLab.Function("0000:00:1f.3");
        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(() => smbus.Reset()).Errno);
    }

    [Fact]
    public void Reset_Default_RunsFirstEnabledMethod()
    {
        SimFunction wifi = SimLab.Function("0000:02:00.0");
        Assert.Equal("flr", wifi.Reset().Method);
    }

    [Fact]
    public void Reset_PmOutsideD0_ThrowsEinval()
    {
        SimFunction wifi = SimLab.Function("0000:02:00.0");
        wifi.SetPowerState(3);
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => wifi.Reset("pm")).Errno);
    }

    [Fact]
    public void SetPowerState_NoSoftResetD3HotToD0_KeepsState()
    {
        SimHost host = SimLab.Start();
        SimFunction nic = host.Get("0000:05:00.0");
        nic.WriteBar(0, 0x1F000 + SimControlBlock.Scratch, 4, 0xAA);
        nic.WriteConfig(ConfigOffsets.InterruptLine, 1, 0x0B);

        nic.SetPowerState(3);
        nic.SetPowerState(0);
        Assert.Equal(TimeSpan.FromMilliseconds(20), host.Clock.Now);
        Assert.Equal(0xAAUL, nic.ReadBar(0, 0x1F000 + SimControlBlock.Scratch, 4));
        Assert.Equal(0x0Bu, nic.ReadConfig(ConfigOffsets.InterruptLine, 1));
        Assert.Equal(0, nic.ResetsPerformed);
    }

    [Fact]
    public void SetPowerState_D3HotToD0WithoutNoSoftReset_ResetsFunction()
    {
        SimFunction wifi = SimLab.Function("0000:02:00.0");
        wifi.WriteConfig(ConfigOffsets.InterruptLine, 1, 0x0B);
        wifi.SetPowerState(3);
        wifi.SetPowerState(0);
        Assert.Equal(wifi.Function.Config.InterruptLine, (byte)wifi.ReadConfig(ConfigOffsets.InterruptLine, 1));
        Assert.Equal(1, wifi.ResetsPerformed);
        Assert.Equal(0, wifi.PowerState);
    }

    [Fact]
    public void Reset_Bus_ReachesOnlyTheFunctionBelowItsPort()
    {
        SimHost host = SimLab.Start();
        SimResetResult result = host.Get("0000:06:00.0").Reset("bus");
        Assert.Equal([PciAddress.Parse("0000:06:00.0")], result.Affected);
        Assert.Equal(0, host.Get("0000:05:00.0").ResetsPerformed);
        Assert.Equal(1, host.Get("0000:06:00.0").ResetsPerformed);
    }
}
