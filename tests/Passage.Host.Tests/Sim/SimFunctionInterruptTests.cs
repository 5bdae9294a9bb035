using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimFunctionInterruptTests
{
    [Theory]
    [InlineData(0, 0, 0x4020u, 0x4020u)] // one vector granted: data unchanged
    [InlineData(2, 3, 0x4020u, 0x4023u)] // four granted: vector replaces the low two bits
    [InlineData(4, 15, 0x4020u, 0x402Fu)] // sixteen granted
    [InlineData(2, 1, 0x4023u, 0x4021u)] // low bits of the programmed data are replaced, not added
    public void RaiseInterrupt_AhciMsi_SendsVectorInLowDataBits(int mmeLog2, int vector, uint data, uint expected)
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        int msi = ahci.Function.Decoded.Msi!.Offset;
        ahci.SetCommand(PciCommand.MemorySpace | PciCommand.BusMaster);
        ahci.WriteConfig(msi + MsiCapability.AddressOffset, 4, 0xFEE0_0000);
        ahci.WriteConfig(msi + 8, 2, data);
        ahci.WriteConfig(msi + MsiCapability.ControlOffset, 2, MsiCapability.Enable | (uint)(mmeLog2 << 4));

        ahci.RaiseInterrupt(vector);
        Assert.Equal([(vector, 0xFEE0_0000UL, expected)], sink.Msi);
        Assert.Empty(sink.Intx);
    }

    [Fact]
    public void RaiseInterrupt_MsiVectorNotGranted_IsDropped()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        ahci.SetCommand(PciCommand.BusMaster);
        ahci.WriteConfig(ahci.Function.Decoded.Msi!.Offset + MsiCapability.ControlOffset, 2, MsiCapability.Enable | 0x20);
        ahci.RaiseInterrupt(4);
        Assert.Empty(sink.Msi);
        Assert.Equal(0, ahci.InterruptsSent);
    }

    [Fact]
    public void RaiseInterrupt_Msi64Bit_SendsUpperAddress()
    {
        SimFunction gpu = SimLab.Function("0000:01:00.0");
        RecordingSink sink = gpu.Record();
        int msi = gpu.Function.Decoded.Msi!.Offset;
        gpu.SetCommand(PciCommand.BusMaster);
        gpu.WriteConfig(msi + 4, 4, 0xFEE0_0000);
        gpu.WriteConfig(msi + 8, 4, 0x1);
        gpu.WriteConfig(msi + 0xC, 2, 0x55);
        gpu.WriteConfig(msi + MsiCapability.ControlOffset, 2, MsiCapability.Enable);
        gpu.RaiseInterrupt(0);
        Assert.Equal([(0, 0x1_FEE0_0000UL, 0x55u)], sink.Msi);
    }

    [Fact]
    public void RaiseInterrupt_MsiMaskedVector_SetsPendingUntilUnmasked()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        int msi = nic.Function.Decoded.Msi!.Offset;
        nic.SetCommand(PciCommand.BusMaster);
        nic.WriteConfig(msi + 0x10, 4, 1);
        nic.WriteConfig(msi + MsiCapability.ControlOffset, 2, MsiCapability.Enable);

        nic.RaiseInterrupt(0);
        Assert.Empty(sink.Msi);
        Assert.Equal(1u, nic.ReadConfig(msi + 0x14, 4));

        nic.WriteConfig(msi + 0x10, 4, 0);
        Assert.Single(sink.Msi);
        Assert.Equal(0u, nic.ReadConfig(msi + 0x14, 4));
    }

    [Fact]
    public void RaiseInterrupt_MsiWithoutMaskingAndBusMasterOff_IsLost()
    {
        SimFunction gpu = SimLab.Function("0000:01:00.0");
        RecordingSink sink = gpu.Record();
        gpu.SetCommand(PciCommand.MemorySpace);
        gpu.WriteConfig(gpu.Function.Decoded.Msi!.Offset + MsiCapability.ControlOffset, 2, MsiCapability.Enable);
        gpu.RaiseInterrupt(0);
        gpu.SetCommand(PciCommand.MemorySpace | PciCommand.BusMaster);
        Assert.Empty(sink.Msi);
        Assert.Equal(1, gpu.InterruptsRequested);
        Assert.Equal(0, gpu.InterruptsSent);
    }

    [Fact]
    public void RaiseInterrupt_NoMsi_AssertsIntxAndSetsInterruptStatus()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        ahci.RaiseInterrupt(0);
        Assert.Equal([true], sink.Intx);
        Assert.NotEqual(0, ahci.Read16(ConfigOffsets.Status) & (int)PciStatus.InterruptStatus);
        Assert.Equal(1, ahci.InterruptsSent);
    }

    [Fact]
    public void RaiseInterrupt_IntxDisabled_SetsStatusButLineStaysLowUntilEnabled()
    {
        SimFunction smbus = SimLab.Function("0000:00:1f.3");
        RecordingSink sink = smbus.Record();
        smbus.SetCommand(PciCommand.InterruptDisable);
        smbus.RaiseInterrupt(0);
        Assert.Empty(sink.Intx);
        Assert.NotEqual(0, smbus.Read16(ConfigOffsets.Status) & (int)PciStatus.InterruptStatus);

        smbus.SetCommand(PciCommand.None);
        Assert.Equal([true], sink.Intx);
        smbus.SetCommand(PciCommand.InterruptDisable);
        Assert.Equal([true, false], sink.Intx);
    }

    [Fact]
    public void RaiseInterrupt_IntxTwice_AssertsLineOnce()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        ahci.RaiseInterrupt(0);
        ahci.RaiseInterrupt(0);
        Assert.Equal([true], sink.Intx);
        Assert.Equal(2, ahci.InterruptsRequested);
        Assert.Equal(1, ahci.InterruptsSent);
    }

    [Fact]
    public void RaiseInterrupt_NoInterruptPin_SendsNothing()
    {
        SimFunction vf = SimLab.Function("0000:07:00.0");
        RecordingSink sink = vf.Record();
        vf.RaiseInterrupt(0);
        Assert.Empty(sink.Intx);
        Assert.Equal(0, vf.Read16(ConfigOffsets.Status) & (int)PciStatus.InterruptStatus);
    }

    [Fact]
    public void WriteConfig_MsiEnabledWhileIntxAsserted_DeassertsLine()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        ahci.RaiseInterrupt(0);
        ahci.WriteConfig(ahci.Function.Decoded.Msi!.Offset + MsiCapability.ControlOffset, 2, MsiCapability.Enable);
        Assert.Equal([true, false], sink.Intx);
    }
}
