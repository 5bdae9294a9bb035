using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimFunctionMsixTests
{
    private const ulong Address = 0xFEE0_1000;

    public static TheoryData<string, int> MsixFunctions => new()
    {
        { "0000:05:00.0", 5 }, // NIC: table in BAR3 at 0, PBA at 0x2000
        { "0000:06:00.0", 33 }, // NVMe: table at BAR0+0x3000, PBA at 0x2000
        { "0000:02:00.0", 16 }, // Wi-Fi: table at BAR0+0x2000, PBA at 0x3000
        { "0000:07:00.0", 8 }, // T5 VF: PBA beyond its BAR
    };

    [Theory]
    [MemberData(nameof(MsixFunctions))]
    public void ReadBar_PowerOnTable_EveryEntryMasked(string address, int vectors)
    {
        SimFunction f = SimLab.Function(address);
        for (int v = 0; v < vectors; v++)
        {
            Assert.Equal(1UL, f.ReadBar(f.Msix().TableBir, f.EntryOffset(v) + 12, 4));
            Assert.Equal(0UL, f.ReadBar(f.Msix().TableBir, f.EntryOffset(v), 8));
            Assert.False(f.IsMsixPending(v));
        }
    }

    [Theory]
    [MemberData(nameof(MsixFunctions))]
    public void RaiseInterrupt_MaskedEntry_SetsPendingThenUnmaskDeliversOnce(string address, int vectors)
    {
        SimFunction f = SimLab.Function(address);
        RecordingSink sink = f.Record();
        int vector = vectors - 1;
        f.EnableMsix();
        f.ProgramEntry(vector, Address, 0x4041, masked: true);

        f.RaiseInterrupt(vector);
        Assert.Empty(sink.Msix);
        Assert.True(f.IsMsixPending(vector));

        f.MaskEntry(vector, masked: false);
        Assert.Equal([(vector, Address, 0x4041u)], sink.Msix);
        Assert.False(f.IsMsixPending(vector));

        f.MaskEntry(vector, masked: true);
        f.MaskEntry(vector, masked: false);
        Assert.Single(sink.Msix);
    }

    [Theory]
    [MemberData(nameof(MsixFunctions))]
    public void RaiseInterrupt_FunctionMasked_SetsPendingThenClearingMaskDeliversOnce(string address, int vectors)
    {
        SimFunction f = SimLab.Function(address);
        RecordingSink sink = f.Record();
        int vector = vectors / 2;
        f.EnableMsix(MsixCapability.FunctionMask);
        f.ProgramEntry(vector, Address, 0x21, masked: false);

        f.RaiseInterrupt(vector);
        Assert.Empty(sink.Msix);
        Assert.True(f.IsMsixPending(vector));

        f.SetMsixControl(MsixCapability.Enable);
        f.SetMsixControl(MsixCapability.Enable);
        Assert.Equal([(vector, Address, 0x21u)], sink.Msix);
        Assert.False(f.IsMsixPending(vector));
        Assert.Equal(1, f.InterruptsRequested);
        Assert.Equal(1, f.InterruptsSent);
    }

    [Theory]
    [InlineData("0000:05:00.0")] // NIC: PBA in BAR3
    [InlineData("0000:06:00.0")] // NVMe: PBA in BAR0
    [InlineData("0000:02:00.0")] // Wi-Fi: PBA in BAR0
    public void ReadBar_Pba_ShowsPendingBitAndIgnoresWrites(string address)
    {
        SimFunction f = SimLab.Function(address);
        f.EnableMsix();
        f.RaiseInterrupt(3);
        Assert.Equal(1UL << 3, f.ReadPbaWord(0));
        Assert.Equal(1UL << 3, f.ReadBar(f.Msix().PbaBir, f.Msix().PbaBarOffset, 4));

        f.WriteBar(f.Msix().PbaBir, f.Msix().PbaBarOffset, 8, 0);
        Assert.Equal(1UL << 3, f.ReadPbaWord(0));
    }

    [Fact]
    public void ReadBar_NvmePbaHighDword_HoldsVector32()
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        nvme.EnableMsix();
        nvme.RaiseInterrupt(32);
        Assert.Equal(1UL << 32, nvme.ReadPbaWord(0));
        Assert.Equal(0UL, nvme.ReadBar(0, nvme.Msix().PbaBarOffset, 4));
        Assert.Equal(1UL, nvme.ReadBar(0, nvme.Msix().PbaBarOffset + 4, 4));
        Assert.Equal(ulong.MaxValue, nvme.ReadBar(0, nvme.Msix().PbaBarOffset + 4, 8));
    }

    [Fact]
    public void RaiseInterrupt_UnmaskedEntry_SendsItsMessage()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.EnableMsix();
        nic.ProgramEntry(2, 0x1_FEE0_0000, 0x7F, masked: false);
        nic.RaiseInterrupt(2);
        Assert.Equal([(2, 0x1_FEE0_0000UL, 0x7Fu)], sink.Msix);
        Assert.Empty(sink.Intx);
        Assert.Empty(sink.Msi);
        Assert.Equal(1, nic.InterruptsSent);
    }

    [Fact]
    public void RaiseInterrupt_BusMasterOff_LatchesPendingUntilBusMasterOn()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.EnableMsix();
        nic.ProgramEntry(1, Address, 0x30, masked: false);
        nic.SetCommand(PciCommand.MemorySpace);

        nic.RaiseInterrupt(1);
        Assert.Empty(sink.Msix);
        Assert.True(nic.IsMsixPending(1));

        nic.SetCommand(PciCommand.MemorySpace | PciCommand.BusMaster);
        Assert.Single(sink.Msix);
        Assert.False(nic.IsMsixPending(1));
    }

    [Fact]
    public void RaiseInterrupt_VectorBeyondTable_IsDropped()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.EnableMsix();
        nic.RaiseInterrupt(5);
        Assert.Empty(sink.Msix);
        Assert.Equal(0UL, nic.ReadPbaWord(0));
        Assert.Equal(1, nic.InterruptsRequested);
        Assert.Equal(0, nic.InterruptsSent);
    }

    [Theory]
    [InlineData(0, 1)] // byte read of address low
    [InlineData(0, 2)] // word read
    [InlineData(12, 2)] // word read of vector control
    public void ReadBar_TableSubDword_ReadsAllOnes(int offset, int size)
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        Assert.Equal((1UL << (size * 8)) - 1, nic.ReadBar(3, (ulong)offset, size));
    }

    [Fact]
    public void WriteBar_TableSubDword_IsDropped()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.WriteBar(3, 12, 1, 0);
        nic.WriteBar(3, 12, 2, 0);
        Assert.Equal(1UL, nic.ReadBar(3, 12, 4));
    }

    [Fact]
    public void WriteBar_TableQword_WritesAddressPairAndDataControlPair()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.WriteBar(3, 16, 8, 0x0000_0001_FEE0_0003);
        nic.WriteBar(3, 24, 8, 0x0000_0000_0000_0055);
        Assert.Equal(0x0000_0001_FEE0_0000UL, nic.ReadBar(3, 16, 8));
        Assert.Equal(0x55UL, nic.ReadBar(3, 24, 4));
        Assert.Equal(0UL, nic.ReadBar(3, 28, 4));
    }

    [Fact]
    public void RaiseInterrupt_MsixEnabled_NeitherMsiNorIntx()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.WriteConfig(nic.Function.Decoded.Msi!.Offset + MsiCapability.ControlOffset, 2, MsiCapability.Enable);
        nic.EnableMsix();
        nic.RaiseInterrupt(0);
        Assert.Empty(sink.Msi);
        Assert.Empty(sink.Intx);
        Assert.True(nic.IsMsixPending(0));
    }

    [Fact]
    public void ReadBar_T5PbaBeyondBar_ReadsAllOnesButPendingIsTracked()
    {
        SimFunction vf = SimLab.Function("0000:07:00.0");
        vf.EnableMsix();
        vf.RaiseInterrupt(0);
        Assert.Equal(ulong.MaxValue, vf.ReadBar(2, 0x8000, 8));
        Assert.True(vf.IsMsixPending(0));
    }
}
