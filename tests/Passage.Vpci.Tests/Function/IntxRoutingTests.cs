using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Vpci.Tests.Function;

/// <summary>One host IRQ index at a time, and INTx routing (vpci.md §7.11).</summary>
public sealed class IntxRoutingTests
{
    private const string IntxOn = "setirqs 0 0 1 0x24";
    private const string IntxOff = "setirqs 0 0 0 0x21";
    private const string IntxMask = "setirqs 0 0 1 0x9";
    private const string IntxUnmask = "setirqs 0 0 1 0x11";
    private const string MsiOn = "setirqs 1 0 1 0x24";
    private const string MsiOff = "setirqs 1 0 0 0x21";
    private const string MsixOff = "setirqs 2 0 0 0x21";

    private static List<string> EventsSince(GuestLab lab, int from) => [.. lab.Device.Events.Skip(from)];

    private static void AcknowledgeDevice(GuestLab lab, ulong[] bars) =>
        lab.MmioWrite(bars[lab.Control.Bar] + lab.Control.Offset + SimControlBlock.IntxAcknowledge, 4, 1);

    [Fact]
    public void Constructor_FunctionWithPin_EnablesHostIntx()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
        Assert.Single(lab.Device.Events, e => e == IntxOn);
    }

    [Fact]
    public void Constructor_FunctionWithoutPin_LeavesHostIntxAlone()
    {
        using var lab = GuestLab.Open("0000:07:00.0");

        Assert.Equal(-1, lab.Function.HostIrqIndex);
        Assert.DoesNotContain(lab.Device.Events, e => e.StartsWith("setirqs 0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteConfig_MsiEnable_DisablesHostIntxFirst()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int msi = lab.FindCapability(CapabilityId.Msi);
        int from = lab.Device.Events.Count;

        lab.Write(msi + 2, 2, MsiCapability.Enable);

        Assert.Equal([IntxOff, MsiOn], EventsSince(lab, from).Where(e => e.StartsWith("setirqs", StringComparison.Ordinal)));
        Assert.Equal(VfioIrq.Msi, lab.Function.HostIrqIndex);
    }

    [Fact]
    public void WriteConfig_MsixEnableWhileMsiEnabled_DisablesHostMsiFirstAndKeepsTheGuestBit()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int msi = lab.FindCapability(CapabilityId.Msi);
        int msix = lab.FindCapability(CapabilityId.MsiX);
        lab.Write(msi + 2, 2, MsiCapability.Enable);
        int from = lab.Device.Events.Count;

        lab.Write(msix + 2, 2, MsixCapability.Enable);

        List<string> events = EventsSince(lab, from);
        int msiOff = RecordedEvents.IndexOf(events, MsiOff);
        int msixOn = RecordedEvents.IndexOfPrefix(events, "setirqs 2 ");
        Assert.True(msiOff >= 0 && msiOff < msixOn, string.Join(" | ", events));
        Assert.Equal(VfioIrq.Msix, lab.Function.HostIrqIndex);
        Assert.Equal(MsiCapability.Enable, lab.Read(msi + 2, 2) & MsiCapability.Enable);
        Assert.False(lab.Function.Msi!.HostActive);
    }

    [Fact]
    public void WriteConfig_MsiEnableWhileMsixEnabled_RoutingFollowsTheMostRecentEnable()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int msi = lab.FindCapability(CapabilityId.Msi);
        int msix = lab.FindCapability(CapabilityId.MsiX);
        lab.Write(msix + 2, 2, MsixCapability.Enable);
        int from = lab.Device.Events.Count;

        lab.Write(msi + 2, 2, MsiCapability.Enable);

        List<string> events = EventsSince(lab, from);
        int msixOff = RecordedEvents.IndexOf(events, MsixOff);
        int msiOn = RecordedEvents.IndexOf(events, MsiOn);
        Assert.True(msixOff >= 0 && msixOff < msiOn, string.Join(" | ", events));
        Assert.Equal(VfioIrq.Msi, lab.Function.HostIrqIndex);
        Assert.Equal(MsixCapability.Enable, lab.Read(msix + 2, 2) & MsixCapability.Enable);
        Assert.False(lab.Function.Msix!.HostEnabled);
    }

    [Theory]
    [InlineData(CapabilityId.Msi, MsiCapability.Enable)]
    [InlineData(CapabilityId.MsiX, MsixCapability.Enable)]
    public void WriteConfig_MessageInterruptsDisabled_BringsHostIntxBack(CapabilityId id, int enable)
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int cap = lab.FindCapability(id);
        lab.Write(cap + 2, 2, (uint)enable);
        int from = lab.Device.Events.Count;

        lab.Write(cap + 2, 2, 0);

        Assert.Equal(IntxOn, EventsSince(lab, from).Last(e => e.StartsWith("setirqs", StringComparison.Ordinal)));
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WriteConfig_BothEnabledThenTheLaterDisabledFirst_HostIntxBackAfterTheOther(bool msiFirst)
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int msi = lab.FindCapability(CapabilityId.Msi) + 2;
        int msix = lab.FindCapability(CapabilityId.MsiX) + 2;
        (int first, uint firstEnable, int second, uint secondEnable) = msiFirst
            ? (msi, (uint)MsiCapability.Enable, msix, (uint)MsixCapability.Enable)
            : (msix, (uint)MsixCapability.Enable, msi, (uint)MsiCapability.Enable);
        lab.Write(first, 2, firstEnable);
        lab.Write(second, 2, secondEnable);

        // The later enable took the host index; disabling it leaves the earlier one's guest bit on.
        lab.Write(second, 2, 0);
        Assert.Equal(-1, lab.Function.HostIrqIndex);
        lab.Write(first, 2, 0);

        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
        Assert.Equal(IntxOn, lab.Device.Events.Last(e => e.StartsWith("setirqs", StringComparison.Ordinal)));
    }

    [Fact]
    public void WriteConfig_MsiDisabledWhileGuestIntxDisableIsSet_HostIntxStaysOff()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int msi = lab.FindCapability(CapabilityId.Msi);
        lab.Command = (ushort)PciCommand.InterruptDisable;
        lab.Write(msi + 2, 2, MsiCapability.Enable);
        int from = lab.Device.Events.Count;

        lab.Write(msi + 2, 2, 0);

        Assert.DoesNotContain(IntxOn, EventsSince(lab, from));
        Assert.Equal(-1, lab.Function.HostIrqIndex);
    }

    [Fact]
    public void Doorbell_IntxActive_RaisesTheVirtualLine()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();

        lab.Ring(bars, 0);

        Assert.Equal([true], lab.Sink.IntxChanges);
        Assert.True(lab.Function.IntxAsserted);
        Assert.Equal(1, lab.Function.IntxAssertions);
        Assert.Empty(lab.Sink.Messages);
    }

    [Fact]
    public void AcknowledgeIntx_AfterAssertion_LowersTheLineAndUnmasksTheHostLine()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();
        lab.Ring(bars, 0);
        AcknowledgeDevice(lab, bars);
        int from = lab.Device.Events.Count;

        lab.Function.AcknowledgeIntx();
        List<string> acknowledged = EventsSince(lab, from);
        lab.Ring(bars, 0);

        Assert.Equal([IntxUnmask], acknowledged);
        Assert.Equal([true, false, true], lab.Sink.IntxChanges);
        Assert.Equal(2, lab.Function.IntxAssertions);
    }

    [Fact]
    public void WriteConfig_GuestIntxDisable_MasksIndexZeroAndClearingUnmasksIt()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();
        int from = lab.Device.Events.Count;

        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.InterruptDisable);
        List<string> disabled = EventsSince(lab, from);
        lab.Ring(bars, 0);
        bool raisedWhileDisabled = lab.Function.IntxAsserted;
        from = lab.Device.Events.Count;
        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);

        Assert.Contains(IntxMask, disabled);
        Assert.False(raisedWhileDisabled);
        Assert.Contains(IntxUnmask, EventsSince(lab, from));
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
    }

    [Fact]
    public void WriteConfig_GuestIntxDisableWhileAsserted_LowersTheLine()
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        ulong[] bars = lab.Enable();
        lab.Ring(bars, 0);

        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.InterruptDisable);

        Assert.Equal([true, false], lab.Sink.IntxChanges);
        Assert.False(lab.Function.IntxAsserted);
    }
}
