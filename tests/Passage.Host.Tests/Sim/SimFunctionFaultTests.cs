using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

public sealed class SimFunctionFaultTests
{
    private const int Readiness = 65_535; // 1 + 2 + … + 32 768 ms: the next back-off (65 536) passes 60 s

    private static int DevCtl(SimFunction f) => f.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceControlOffset;

    private static int DevSta(SimFunction f) => f.Function.Decoded.Pcie!.Offset + PciExpressCapability.DeviceStatusOffset;

    private static uint Aer(SimFunction f, int register) => f.ReadConfig(f.Function.Decoded.Aer!.Offset + register, 4);

    [Theory]
    [InlineData(AerSeverity.Correctable, 0x1, AerCapability.CorrectableStatusOffset, 1u << 0)] // Receiver Error
    [InlineData(AerSeverity.NonFatal, 0x2, AerCapability.UncorrectableStatusOffset, 1u << 12)] // Poisoned TLP, severity clear
    [InlineData(AerSeverity.Fatal, 0x4, AerCapability.UncorrectableStatusOffset, 1u << 4)] // Data Link Protocol, severity set
    public void InjectError_ReportingEnabled_LogsAndSignals(AerSeverity severity, int devsta, int register, uint bit)
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        RecordingSink sink = nvme.Record();
        nvme.Write16(DevCtl(nvme), 0x000F);

        Assert.Equal(severity, nvme.InjectError(severity));
        Assert.Equal([severity], sink.Errors);
        Assert.Equal(bit, Aer(nvme, register));
        Assert.Equal(devsta, nvme.Read16(DevSta(nvme)) & 0xF);
    }

    [Theory]
    [InlineData(AerSeverity.Correctable)] // ERR_COR needs DevCtl bit 0
    [InlineData(AerSeverity.NonFatal)] // ERR_NONFATAL needs DevCtl bit 1 or SERR
    [InlineData(AerSeverity.Fatal)] // ERR_FATAL needs DevCtl bit 2 or SERR
    public void InjectError_ReportingDisabled_LogsButSendsNothing(AerSeverity severity)
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        RecordingSink sink = nvme.Record();
        Assert.Null(nvme.InjectError(severity));
        Assert.Empty(sink.Errors);
        Assert.NotEqual(0, nvme.Read16(DevSta(nvme)) & 0x7);
    }

    [Fact]
    public void InjectCorrectableError_MaskedBit_LogsStatusOnly()
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        RecordingSink sink = nvme.Record();
        nvme.Write16(DevCtl(nvme), 0x000F);
        Assert.Null(nvme.InjectCorrectableError(13));
        Assert.Equal(1u << 13, Aer(nvme, AerCapability.CorrectableStatusOffset));
        Assert.Equal(0, nvme.Read16(DevSta(nvme)) & 0xF);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void InjectUncorrectableError_MaskedBit_LogsStatusOnly()
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        RecordingSink sink = nvme.Record();
        nvme.Write16(DevCtl(nvme), 0x000F);
        nvme.WriteConfig(nvme.Function.Decoded.Aer!.Offset + AerCapability.UncorrectableMaskOffset, 4, 1u << 14);
        Assert.Null(nvme.InjectUncorrectableError(14));
        Assert.Equal(1u << 14, Aer(nvme, AerCapability.UncorrectableStatusOffset));
        Assert.Equal(0, nvme.Read16(DevSta(nvme)) & 0xF);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void InjectUncorrectableError_SeverityRegister_DecidesFatal()
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        RecordingSink sink = nvme.Record();
        nvme.Write16(DevCtl(nvme), 0x000F);
        nvme.WriteConfig(nvme.Function.Decoded.Aer!.Offset + AerCapability.UncorrectableSeverityOffset, 4, AerCapability.DefaultSeverity | (1u << 14));
        Assert.Equal(AerSeverity.Fatal, nvme.InjectUncorrectableError(14));
        Assert.Equal(0x4, nvme.Read16(DevSta(nvme)) & 0xF);
    }

    [Fact]
    public void InjectUncorrectableError_FirstError_SetsFirstErrorPointerOnce()
    {
        SimFunction nvme = SimLab.Function("0000:06:00.0");
        nvme.InjectUncorrectableError(14);
        nvme.InjectUncorrectableError(20);
        Assert.Equal(14u, Aer(nvme, AerCapability.CapabilitiesControlOffset) & 0x1F);
    }

    [Fact]
    public void InjectUncorrectableError_SerrEnabled_SignalsAndSetsSignaledSystemError()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        RecordingSink sink = nic.Record();
        nic.SetCommand(PciCommand.SerrEnable);
        Assert.Equal(AerSeverity.NonFatal, nic.InjectUncorrectableError(12));
        Assert.Equal([AerSeverity.NonFatal], sink.Errors);
        Assert.NotEqual(0, nic.Read16(ConfigOffsets.Status) & (int)PciStatus.SignaledSystemError);
    }

    [Fact]
    public void InjectError_ConventionalFunction_HasNothingToReport()
    {
        SimFunction ahci = SimLab.Function("0000:00:1f.2");
        RecordingSink sink = ahci.Record();
        Assert.Null(ahci.InjectError(AerSeverity.Fatal));
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public void FailNextReset_Flr_LeavesFunctionDeadUntilBusReset()
    {
        SimHost host = SimLab.Start();
        SimFunction nic = host.Get("0000:05:00.0");
        nic.FailNextReset();

        SimResetResult flr = nic.Reset("flr");
        Assert.False(flr.Ready);
        Assert.Equal(TimeSpan.FromMilliseconds(100 + Readiness), flr.Duration);
        Assert.True(nic.IsDead);
        Assert.Equal(0xFFFF_FFFFu, nic.ReadConfig(0, 4));
        Assert.Equal(0xFFFF_FFFFUL, nic.ReadBar(0, 0x1F000 + SimControlBlock.Scratch, 4));

        SimResetResult again = nic.Reset("flr");
        Assert.False(again.Ready);
        Assert.True(nic.IsDead);

        SimResetResult bus = nic.Reset("bus");
        Assert.True(bus.Ready);
        Assert.False(nic.IsDead);
        Assert.Equal(0x1533_8086u, nic.ReadConfig(0, 4));
    }

    [Fact]
    public void StayInReset_PastDeadline_ReadinessPollingCatchesIt()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.StayInReset(TimeSpan.FromMilliseconds(50));
        // Ready at 150 ms; polls at 100, 101, 103, 107, 115, 131, 163.
        SimResetResult result = nic.Reset("flr");
        Assert.True(result.Ready);
        Assert.Equal(TimeSpan.FromMilliseconds(163), result.Duration);
    }

    [Fact]
    public void StayInReset_Never_GivesUpAfterReadinessTimeout()
    {
        SimHost host = SimLab.Start();
        SimFunction nic = host.Get("0000:05:00.0");
        nic.StayInReset(TimeSpan.MaxValue);
        SimResetResult result = nic.Reset("flr");
        Assert.False(result.Ready);
        Assert.Equal(TimeSpan.FromMilliseconds(100 + Readiness), result.Duration);
        Assert.Equal(0xFFFFu, nic.ReadConfig(ConfigOffsets.VendorId, 2));
        host.Clock.Advance(TimeSpan.FromDays(1));
        Assert.False(nic.IsReady);
    }

    [Fact]
    public void StayInReset_RootPortRrsVisibility_VendorIdReadsRrsPattern()
    {
        SimHost host = SimLab.Start();
        SimFunction nic = host.Get("0000:05:00.0");
        SimFunction port = host.Get("0000:00:1d.0");
        nic.StayInReset(TimeSpan.MaxValue);
        nic.Reset("flr");
        Assert.Equal(0xFFFFu, nic.ReadConfig(ConfigOffsets.VendorId, 2));

        port.WriteConfig(port.Function.Decoded.Pcie!.Offset + PciExpressCapability.RootControlOffset, 2, PciExpressCapability.RrsSoftwareVisibility);
        Assert.Equal(0x0001u, nic.ReadConfig(ConfigOffsets.VendorId, 2));
        Assert.Equal(0xFFFF_0001u, nic.ReadConfig(ConfigOffsets.VendorId, 4));
        Assert.Equal(0xFFFFu, nic.ReadConfig(ConfigOffsets.Command, 2));
    }

    [Fact]
    public void KeepMsixAcrossFlr_Flr_LeavesStaleTableAndControl()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.KeepMsixAcrossFlr();
        nic.EnableMsix(MsixCapability.FunctionMask);
        nic.ProgramEntry(1, 0xFEE0_1000, 0x61, masked: false);

        nic.Reset("flr");
        int control = nic.Msix().Offset + MsixCapability.ControlOffset;
        Assert.Equal(MsixCapability.Enable | MsixCapability.FunctionMask, nic.Read16(control) & 0xC000);
        Assert.Equal(0xFEE0_1000UL, nic.ReadBar(3, nic.EntryOffset(1), 8));
        Assert.Equal(0UL, nic.ReadBar(3, nic.EntryOffset(1) + 12, 4));
        Assert.Equal(0, nic.Read16(ConfigOffsets.Command) & (int)PciCommand.BusMaster);
    }

    [Fact]
    public void KeepMsixAcrossFlr_BusReset_StillClearsMsix()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.KeepMsixAcrossFlr();
        nic.EnableMsix();
        nic.ProgramEntry(1, 0xFEE0_1000, 0x61, masked: false);
        nic.Reset("bus");
        Assert.Equal(0, nic.Read16(nic.Msix().Offset + MsixCapability.ControlOffset) & 0xC000);
        Assert.Equal(1UL, nic.ReadBar(3, nic.EntryOffset(1) + 12, 4));
    }

    [Fact]
    public void ClearFaults_AfterArming_ResetBehavesNormally()
    {
        SimFunction nic = SimLab.Function("0000:05:00.0");
        nic.FailNextReset();
        nic.StayInReset(TimeSpan.MaxValue);
        nic.HoldTransactionsPending(TimeSpan.MaxValue);
        nic.ClearFaults();
        SimResetResult result = nic.Reset("flr");
        Assert.True(result.Ready);
        Assert.Equal(TimeSpan.FromMilliseconds(100), result.Duration);
    }
}
