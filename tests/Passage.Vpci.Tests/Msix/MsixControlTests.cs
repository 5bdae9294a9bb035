using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>MSI-X capability registers (vpci.md §7.2) and Message Control transitions (§7.5).</summary>
public sealed class MsixControlTests
{
    private const string Nic = "0000:05:00.0";
    private const IrqSetFlags Eventfds = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;
    private const IrqSetFlags DataNone = IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone;

    [Theory]
    [InlineData(0xFFFFu, 0xC000u)] // every bit: only Enable and Function Mask stick
    [InlineData(0x3FFFu, 0x0000u)] // everything but bits 14–15: table size is read-only, 13:11 read 0
    [InlineData(0x4000u, 0x4000u)] // Function Mask alone
    [InlineData(0x3800u, 0x0000u)] // the reserved bits 13:11 alone
    public void WriteControl_Value_OnlyBits14And15Writable(uint written, uint sticky)
    {
        using var guest = MsixGuest.Open(Nic);

        guest.WriteControl(written);

        Assert.Equal(sticky | 4u, guest.ReadControl()); // N − 1 = 4
        Assert.Equal((written & MsixCapability.Enable) != 0, guest.Msix.Enabled);
        Assert.Equal((written & MsixCapability.FunctionMask) != 0, guest.Msix.FunctionMasked);
    }

    [Fact]
    public void CapabilityHeader_Written_IdFromHostNextEmulatedBothReadOnly()
    {
        using var guest = MsixGuest.Open(Nic);
        uint next = guest.Lab.Read(guest.Capability + 1, 1);

        guest.Lab.Write(guest.Capability, 2, 0xFFFF);

        Assert.Equal((uint)CapabilityId.MsiX, guest.Lab.Read(guest.Capability, 1));
        Assert.Equal(next, guest.Lab.Read(guest.Capability + 1, 1));
        Assert.Equal((uint)CapabilityId.PciExpress, guest.Lab.Read((int)next, 1)); // the next capability the guest sees
    }

    [Fact]
    public void WriteTableAndPbaRegisters_Any_ReadOnlyHostValues()
    {
        using var guest = MsixGuest.Open(Nic);
        int table = guest.Capability + MsixCapability.TableOffset;
        int pba = guest.Capability + MsixCapability.PbaOffset;

        guest.Lab.Write(table, 4, 0xFFFF_FFFF);
        guest.Lab.Write(pba, 4, 0);

        Assert.Equal(0x0000_0003u, guest.Lab.Read(table, 4)); // BAR3, offset 0
        Assert.Equal(0x0000_2003u, guest.Lab.Read(pba, 4)); // BAR3, offset 0x2000
    }

    [Fact]
    public void WriteControl_EnableMaskDisable_HostControlRegisterNeverWritten()
    {
        using var guest = MsixGuest.Open(Nic);

        guest.Enable(functionMask: true);
        guest.ProgramAndUnmask(0);
        guest.Enable();
        guest.Disable();

        // "config-write 0xOFF LEN VALUE": none may touch the capability's registers.
        var writes = guest.Device.Events.Where(e => e.StartsWith("config-write ", StringComparison.Ordinal))
            .Select(e => e.Split(' '))
            .Select(p => (Offset: Convert.ToInt32(p[1], 16), Length: int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.NotEmpty(writes); // the host Command is written: the log is live
        Assert.DoesNotContain(writes, w => w.Offset < guest.Capability + 12 && guest.Capability < w.Offset + w.Length);
    }

    [Theory]
    [InlineData(true)] // dynamic host
    [InlineData(false)] // NORESIZE host
    public void WriteControl_EnableWithNothingUnmasked_ExactlyOneSetIrqsWithMinusOne(bool dynamic)
    {
        using var guest = MsixGuest.Open(Nic, dynamic);
        int before = guest.Device.IrqCalls.Count;

        guest.Enable();

        var calls = guest.Device.IrqCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal((VfioIrq.Intx, 0u, DataNone), (calls[0].Index, calls[0].Count, calls[0].Flags)); // INTx off first
        Assert.Equal((VfioIrq.Msix, 0u, 1u, Eventfds), (calls[1].Index, calls[1].Start, calls[1].Count, calls[1].Flags));
        Assert.Equal([-1], calls[1].Fds);
        Assert.Equal(VfioIrq.Msix, guest.Lab.Function.HostIrqIndex);
        Assert.Equal(VfioIrq.Msix, guest.Lab.Sim.Interrupts.ActiveIndex); // the host function is in MSI-X mode
        Assert.NotEqual(0u, guest.Lab.Command & (uint)PciCommand.InterruptDisable);
        Assert.Equal(MsixCapability.Enable | 4u, guest.ReadControl());
    }

    [Fact]
    public void WriteControl_EnableWhileMsiEnabled_MsiDisabledFirstGuestMsiBitKept()
    {
        using var guest = MsixGuest.Open(Nic);
        int msi = guest.Lab.FindCapability(CapabilityId.Msi);
        guest.Lab.Write(msi + MsiCapability.ControlOffset, 2, MsiCapability.Enable);
        int before = guest.Device.IrqCalls.Count;

        guest.Enable();

        var calls = guest.Device.IrqCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[0].Index == VfioIrq.Msi && calls[0].IsDisable);
        Assert.Equal((VfioIrq.Msix, 1u), (calls[1].Index, calls[1].Count));
        Assert.Equal(MsiCapability.Enable, guest.Lab.Read(msi + MsiCapability.ControlOffset, 2) & MsiCapability.Enable);
    }

    [Fact]
    public void WriteControl_Disable_ReleasesEverythingClearsPendingAndBringsIntxBack()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(1);
        guest.Mask(1);
        guest.Ring(1);
        Assert.True(guest.Msix.IsPending(1));
        int before = guest.Device.IrqCalls.Count;

        guest.Disable();

        var calls = guest.Device.IrqCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal((VfioIrq.Msix, 0u, 0u, DataNone), (calls[0].Index, calls[0].Start, calls[0].Count, calls[0].Flags));
        Assert.Equal((VfioIrq.Intx, 1u, Eventfds), (calls[1].Index, calls[1].Count, calls[1].Flags)); // the guest uses INTx again
        Assert.False(guest.Msix.IsProgrammed(0) || guest.Msix.IsProgrammed(1));
        Assert.False(guest.Msix.IsPending(1));
        Assert.False(guest.Msix.HostEnabled);
        Assert.Equal(0, guest.Lab.Sim.Interrupts.MsixAllocated);
        Assert.Equal(VfioIrq.Intx, guest.Lab.Function.HostIrqIndex);
        Assert.Equal(4u, guest.ReadControl());
        Assert.Equal(0u, guest.VectorControl(0)); // entry state is the guest's: kept
    }

    [Fact]
    public void WriteControl_DisableWhileGuestIntxDisabled_IntxStaysOff()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Lab.Command = (ushort)(guest.Lab.Command | (ushort)PciCommand.InterruptDisable);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        int before = guest.Device.IrqCalls.Count;

        guest.Disable();

        RecordingHostDevice.IrqCall call = Assert.Single(guest.Device.IrqCalls.Skip(before));
        Assert.True(call.Index == VfioIrq.Msix && call.IsDisable);
        Assert.Equal(-1, guest.Lab.Function.HostIrqIndex);
    }

    [Fact]
    public void WriteControl_MaskDisableEnableUnmask_EntryReprogrammed()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(2);
        guest.Mask(2);
        guest.Disable();
        guest.Enable();
        int before = guest.MsixCalls.Count;

        guest.Unmask(2);

        RecordingHostDevice.IrqCall wire = Assert.Single(guest.MsixCalls.Skip(before));
        Assert.Equal((2u, 1u, Eventfds), (wire.Start, wire.Count, wire.Flags));
        Assert.True(wire.Fds[0] >= 0);
        guest.Ring(2);
        Assert.Equal([2], guest.DeliveredVectors());
    }

    [Fact]
    public void WriteControl_FunctionMaskWhileEnabled_NoHostCallArrivalsLatchAndReleaseOnce()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(1);
        int before = guest.Device.IrqCalls.Count;

        guest.Enable(functionMask: true);
        guest.Ring(0);
        guest.Ring(0);
        guest.Ring(1);

        Assert.Equal(before, guest.Device.IrqCalls.Count);
        Assert.Empty(guest.Lab.Sink.Messages);
        Assert.Equal(0b11UL, guest.ReadPba());

        guest.Enable();

        Assert.Equal([0, 1], guest.DeliveredVectors());
        Assert.Equal(0UL, guest.ReadPba());
        Assert.Equal(before, guest.Device.IrqCalls.Count);
    }

    [Fact]
    public void WriteControl_FunctionUnmask_ProgramsUnmaskedEntries()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(2);
        guest.Enable(functionMask: true);
        Assert.Equal([-1], Assert.Single(guest.MsixCalls).Fds);

        guest.Enable();

        var calls = guest.MsixCalls;
        Assert.Equal([(0u, 1u), (0u, 1u), (2u, 1u)], calls.Select(c => (c.Start, c.Count)));
        Assert.True(guest.Msix.IsProgrammed(0) && guest.Msix.IsProgrammed(2) && !guest.Msix.IsProgrammed(1));
        guest.Ring(2);
        guest.Ring(0);
        Assert.Equal([2, 0], guest.DeliveredVectors());
    }

    [Fact]
    public void WriteControl_EnableWithUnmaskedEntries_ProgramsEach()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.ProgramAndUnmask(1);
        guest.ProgramAndUnmask(3);

        guest.Enable();

        Assert.Equal([(0u, -1), (1u, 0), (3u, 0)], guest.MsixCalls.Select(c => (c.Start, Math.Min(c.Fds[0], 0))));
        guest.Ring(3);
        guest.Ring(1);
        Assert.Equal([3, 1], guest.DeliveredVectors());
    }

    [Theory]
    [InlineData(0x87FFu)] // Enable with every table-size bit: unchanged bits 14–15
    [InlineData(0xB800u)] // Enable with the reserved bits 13:11
    [InlineData(0x8000u)] // Enable alone
    public void WriteControl_Bits14And15Unchanged_NothingAtAll(uint value)
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        int before = guest.Device.IrqCalls.Count;
        int events = guest.Device.Events.Count;

        guest.WriteControl(value);

        Assert.Equal(before, guest.Device.IrqCalls.Count);
        Assert.Equal(events, guest.Device.Events.Count);
        Assert.True(guest.Msix.IsProgrammed(0));
        Assert.Equal(MsixCapability.Enable | 4u, guest.ReadControl());
    }

    [Fact]
    public void WriteControl_HostRefusesEnable_GuestBitsAsWrittenEntryRetriedOnNextUnmask()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.ProgramAndUnmask(0);
        guest.Device.RefuseIrqIndex = VfioIrq.Msix;

        guest.Enable();

        Assert.Equal(MsixCapability.Enable | 4u, guest.ReadControl());
        Assert.False(guest.Msix.IsProgrammed(0));
        Assert.False(guest.Msix.HostEnabled);
        Assert.NotEmpty(guest.Lab.Log);

        guest.Device.RefuseIrqIndex = null;
        guest.Mask(0);
        guest.Unmask(0);

        Assert.True(guest.Msix.IsProgrammed(0));
        guest.Ring(0);
        Assert.Equal([0], guest.DeliveredVectors());
    }

    [Fact]
    public void WriteControl_FunctionUnmaskWithPendingAndUpdated_ProgramsNewMessageThenDeliversIt()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        guest.Enable(functionMask: true);
        guest.Ring(0);
        guest.Program(0, 0xFEE0_3000, 0x77);

        guest.Enable();

        Assert.Equal([new MsiMessage(0xFEE0_3000, 0x77)], guest.Lab.Sink.Messages);
        Assert.False(guest.Msix.IsPending(0));
    }
}
