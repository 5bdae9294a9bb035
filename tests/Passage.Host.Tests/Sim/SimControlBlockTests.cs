using Passage.Host.Sim;
using Passage.Host.Sim.Models;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Host.Tests.Sim;

public sealed class SimControlBlockTests
{
    public static TheoryData<string> Endpoints =>
    [
        "0000:05:00.0", // NIC: BAR0+0x1F000
        "0000:06:00.0", // NVMe: BAR0+0xF00
        "0000:01:00.0", // GPU: BAR5+0x3F000
        "0000:01:00.1", // GPU audio: BAR0+0x3F00
        "0000:02:00.0", // Wi-Fi: BAR0+0x2800, the MSI-X table page
        "0000:07:00.0", // T5 VF: BAR0+0xF00
        "0000:00:1f.2", // AHCI: BAR5+0xA0
        "0000:00:1f.3", // SMBus: BAR0+0xE0
    ];

    public static TheoryData<string> BlockModels =>
    [
        "nic-i210", "nvme-970evo", "gpu-polaris", "gpu-polaris-audio", "wifi-ax210", "nic-t5-vf", "ahci-ich9", "smbus-ich9",
    ];

    [Theory]
    [MemberData(nameof(BlockModels))]
    public void ControlBlock_EveryEndpointModel_LiesInsideADeclaredRegisterRange(string name)
    {
        SimDeviceModel model = DeviceModelCatalogue.Find(name)!;
        SimControlBlock block = model.ControlBlock!;
        SimBar bar = Assert.Single(model.Bars, b => b.Index == block.Bar);
        Assert.True(block.Offset + SimControlBlock.Length <= bar.Size);
        Assert.Contains(model.Registers, r => r.Bar == block.Bar && r.Offset <= block.Offset && block.Offset + SimControlBlock.Length <= r.Offset + r.Length);
        Assert.Equal(["DOORBELL", "SCRATCH", "INTX_ACK", "IRQ_REQUESTED", "IRQ_SENT", "RESETS"], block.Registers.Select(r => r.Name));
    }

    [Theory]
    [InlineData("host-bridge")] // no BARs
    [InlineData("root-port")] // bridge
    [InlineData("switch-upstream")] // bridge with a BAR
    [InlineData("lpc-ich9")] // no BARs
    public void ControlBlock_BridgesAndBarlessFunctions_HaveNone(string name)
    {
        Assert.Null(DeviceModelCatalogue.Find(name)!.ControlBlock);
    }

    [Fact]
    public void RegisterMaps_StaticDescriptions_PointAtTheModelsBlocks()
    {
        Assert.Equal(WifiModel.ControlRegisters, WifiModel.SimulationRegisters.Single(r => r.Name == "DOORBELL").Offset);
        Assert.Equal(5, AhciModel.SimulationRegisters[0].Bar);
        Assert.Equal(SimRegisterAccess.ReadOnly, NicModel.SimulationRegisters.Single(r => r.Name == "RESETS").Access);
        Assert.Equal(0x3F000UL, GpuModel.GraphicsRegisters[0].Offset);
        Assert.Equal(0x3F00UL, GpuModel.AudioRegisters[0].Offset);
        Assert.Equal(0xF00UL, NvmeModel.SimulationRegisters[0].Offset);
        Assert.Equal(0xF00UL, PbaBeyondBarModel.SimulationRegisters[0].Offset);
        Assert.Equal(0xE0UL, SmbusModel.SimulationRegisters[0].Offset);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public void WriteBar_Scratch_ReadsBack(string address)
    {
        SimFunction f = SimLab.Function(address);
        SimControlBlock block = f.Model.ControlBlock!;
        Assert.Equal(0UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4));
        f.WriteBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4, 0xC0FF_EE00);
        Assert.Equal(0xC0FF_EE00UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", "flr")] // NIC
    [InlineData("0000:06:00.0", "flr")] // NVMe
    [InlineData("0000:01:00.0", "sbr")] // GPU: only its parent's bus reset reaches it
    [InlineData("0000:01:00.1", "sbr")] // GPU audio: likewise
    [InlineData("0000:02:00.0", "pm")] // Wi-Fi: PM reset (No_Soft_Reset clear)
    [InlineData("0000:07:00.0", "flr")] // T5 VF
    [InlineData("0000:00:1f.2", "af_flr")] // AHCI (SMBus has no reset at all)
    public void Reset_AfterScratchWrite_ClearsScratchAndCountsTheReset(string address, string method)
    {
        SimHost host = SimLab.Start();
        SimFunction f = host.Get(address);
        SimControlBlock block = f.Model.ControlBlock!;
        f.WriteBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4, 0xC0FF_EE00);
        Assert.Equal(0UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.ResetsPerformed, 4));

        SimResetResult result = method == "sbr" ? host.SecondaryBusReset(f.Function.Parent!.Value) : f.Reset(method);
        Assert.True(result.Ready);
        Assert.Equal(0UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4));
        Assert.Equal(1UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.ResetsPerformed, 4));
    }

    [Theory]
    [InlineData("0000:05:00.0", 1)] // NIC: INTA
    [InlineData("0000:06:00.0", 1)] // NVMe: INTA
    [InlineData("0000:01:00.0", 1)] // GPU: INTA
    [InlineData("0000:01:00.1", 1)] // audio: INTB
    [InlineData("0000:02:00.0", 1)] // Wi-Fi: INTA
    [InlineData("0000:07:00.0", 0)] // T5 VF: no INTx pin, nothing to send
    [InlineData("0000:00:1f.2", 1)] // AHCI: INTB
    [InlineData("0000:00:1f.3", 1)] // SMBus: INTC
    public void WriteBar_DoorbellWithoutMsi_CountsAndRaisesIntx(string address, int sent)
    {
        SimFunction f = SimLab.Function(address);
        RecordingSink sink = f.Record();
        SimControlBlock block = f.Model.ControlBlock!;
        f.WriteBar(block.Bar, block.Offset + SimControlBlock.Doorbell, 4, 0);
        f.WriteBar(block.Bar, block.Offset + SimControlBlock.Doorbell, 4, 0);
        Assert.Equal(2UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.InterruptsRequested, 4));
        Assert.Equal((ulong)sent, f.ReadBar(block.Bar, block.Offset + SimControlBlock.InterruptsSent, 4));
        Assert.Equal(sent, sink.Intx.Count);

        f.WriteBar(block.Bar, block.Offset + SimControlBlock.IntxAcknowledge, 4, 1);
        Assert.Equal(0, f.Read16(ConfigOffsets.Status) & (int)PciStatus.InterruptStatus);
        Assert.Equal(sent == 0 ? 0 : 2, sink.Intx.Count);
    }

    [Theory]
    [InlineData("0000:05:00.0", 4)] // NIC: last of 5 vectors
    [InlineData("0000:06:00.0", 32)] // NVMe: last of 33
    [InlineData("0000:02:00.0", 7)] // Wi-Fi: doorbell in the table's page
    [InlineData("0000:07:00.0", 0)] // T5 VF
    public void WriteBar_DoorbellWithMsix_RaisesThatVector(string address, int vector)
    {
        SimFunction f = SimLab.Function(address);
        RecordingSink sink = f.Record();
        SimControlBlock block = f.Model.ControlBlock!;
        f.EnableMsix();
        f.ProgramEntry(vector, 0xFEE0_0000, (uint)(0x40 + vector), masked: false);
        f.WriteBar(block.Bar, block.Offset + SimControlBlock.Doorbell, 4, (ulong)vector);
        Assert.Equal([(vector, 0xFEE0_0000UL, (uint)(0x40 + vector))], sink.Msix);
        Assert.Equal(1UL, f.ReadBar(block.Bar, block.Offset + SimControlBlock.InterruptsSent, 4));
    }

    [Fact]
    public void WriteBar_AhciDoorbellWithMsi_RaisesMsi()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        ahci.SetCommand(PciCommand.BusMaster | PciCommand.MemorySpace);
        ahci.WriteConfig(ahci.Function.Decoded.Msi!.Offset + 2, 2, 0x0001);
        ahci.WriteBar(5, 0xA0 + SimControlBlock.Doorbell, 4, 0);
        Assert.Single(sink.Msi);
        Assert.Empty(sink.Intx);
    }

    [Theory]
    [InlineData(SimControlBlock.InterruptsRequested)] // counters are read-only
    [InlineData(SimControlBlock.InterruptsSent)] // read-only
    [InlineData(SimControlBlock.ResetsPerformed)] // read-only
    [InlineData(SimControlBlock.Doorbell)] // write-only: reads 0
    public void WriteBar_ReadOnlyOrWriteOnlyRegister_ReadsZero(int register)
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        nvme.WriteBar(0, 0xF00 + (ulong)register, 4, 0x1234);
        Assert.Equal(0UL, nvme.ReadBar(0, 0xF00 + (ulong)register, 4));
        Assert.Equal(register == SimControlBlock.Doorbell ? 1 : 0, nvme.InterruptsRequested);
    }

    [Theory]
    [InlineData(SimControlBlock.Scratch, 2)] // word
    [InlineData(SimControlBlock.Scratch, 1)] // byte
    [InlineData(SimControlBlock.Scratch, 8)] // qword
    public void ReadBar_ControlBlockNotDword_ReadsOnesAndWriteIsDropped(int register, int size)
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        nvme.WriteBar(0, 0xF00 + (ulong)register, 4, 0x5555_5555);
        nvme.WriteBar(0, 0xF00 + (ulong)register, size, 0);
        Assert.Equal(0x5555_5555UL, nvme.ReadBar(0, 0xF00 + (ulong)register, 4));
        Assert.Equal(size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1, nvme.ReadBar(0, 0xF00 + (ulong)register, size));
    }

    [Fact]
    public void ReadBar_OtherOffsets_ArePlainMemory()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.WriteBar(0, 0x100, 8, 0x0102_0304_0506_0708);
        nic.WriteBar(2, 0x4, 2, 0xBEEF);
        Assert.Equal(0x0102_0304_0506_0708UL, nic.ReadBar(0, 0x100, 8));
        Assert.Equal(0x0506UL, nic.ReadBar(0, 0x102, 2));
        Assert.Equal(0xBEEFUL, nic.ReadBar(2, 0x4, 2));
    }

    [Theory]
    [InlineData(1, 0UL, 4, 0xFFFF_FFFFUL)] // BAR1 not implemented
    [InlineData(0, 0x100000UL, 4, 0xFFFF_FFFFUL)] // past the 1 MiB BAR0
    [InlineData(0, 0xFFFFEUL, 4, 0xFFFF_FFFFUL)] // straddles the end of BAR0
    [InlineData(0, 0x102UL, 4, 0xFFFF_FFFFUL)] // misaligned
    [InlineData(0, 0x100UL, 3, 0xFF_FFFFUL)] // size 3
    [InlineData(2, 0x0UL, 8, ulong.MaxValue)] // qword into an I/O BAR
    [InlineData(7, 0x0UL, 4, 0xFFFF_FFFFUL)] // no such BAR
    public void ReadBar_BadAccess_ReadsAllOnes(int bar, ulong offset, int size, ulong expected)
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.WriteBar(bar, offset, size, 0);
        Assert.Equal(expected, nic.ReadBar(bar, offset, size));
    }

    [Fact]
    public void ReadBar_InD3Hot_ReadsAllOnes()
    {
        SimFunction wifi = SimLab.Function("0000:02:00.0");
        wifi.WriteBar(0, 0x2800 + SimControlBlock.Scratch, 4, 7);
        wifi.SetPowerState(3);
        Assert.Equal(0xFFFF_FFFFUL, wifi.ReadBar(0, 0x2800 + SimControlBlock.Scratch, 4));
    }

}
