using Passage.Host.Devices;
using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Tests.Msix;

/// <summary>Entry mask and unmask (vpci.md §7.6) and arrival (§7.8).</summary>
public sealed class MsixMaskingTests
{
    private const string Nic = "0000:05:00.0";

    [Fact]
    public void Mask_ProgrammedEntry_NoHostCallArrivalsLatchedOneDeliveryOnUnmask()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(1);
        guest.ProgramAndUnmask(2);
        int calls = guest.Device.IrqCalls.Count;

        guest.Mask(1);
        guest.Ring(1);
        guest.Ring(1);
        guest.Ring(1);
        guest.Ring(2);

        Assert.Equal([2], guest.DeliveredVectors());
        Assert.True(guest.Msix.IsPending(1));
        Assert.Equal(0b10UL, guest.ReadPba());
        Assert.True(guest.Lab.Sim.Interrupts.IsWired(VfioIrq.Msix, 1)); // the host vector stays allocated and wired

        guest.Unmask(1);

        Assert.Equal([2, 1], guest.DeliveredVectors());
        Assert.False(guest.Msix.IsPending(1));
        Assert.Equal(0UL, guest.ReadPba());
        Assert.Equal(calls, guest.Device.IrqCalls.Count);

        guest.Ring(1);
        Assert.Equal([2, 1, 1], guest.DeliveredVectors());
    }

    [Fact]
    public void Unmask_WithoutPending_DeliversNothing()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);

        guest.Mask(0);
        guest.Unmask(0);

        Assert.Empty(guest.Lab.Sink.Messages);
    }

    [Fact]
    public void Unmask_WhileDisabled_OnlyTheBitIsStored()
    {
        using var guest = MsixGuest.Open(Nic);
        int calls = guest.Device.IrqCalls.Count;

        guest.ProgramAndUnmask(0);

        Assert.Equal(0u, guest.VectorControl(0));
        Assert.False(guest.Msix.IsProgrammed(0));
        Assert.Equal(calls, guest.Device.IrqCalls.Count);
    }

    [Fact]
    public void Unmask_WhileFunctionMasked_OnlyTheBitIsStored()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable(functionMask: true);

        guest.ProgramAndUnmask(0);

        Assert.Equal(0u, guest.VectorControl(0));
        Assert.False(guest.Msix.IsProgrammed(0));
        Assert.Equal([-1], Assert.Single(guest.MsixCalls).Fds);
    }

    [Theory]
    [InlineData(1u)] // masked entry written masked
    [InlineData(0xFFFF_FFFFu)] // masked entry written with bit 0 set among others
    public void WriteVectorControl_MaskBitUnchanged_Nothing(uint value)
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.Program(0);

        guest.Lab.MmioWrite(guest.Entry(0) + 12, 4, value);

        Assert.True(guest.Msix.IsMasked(0));
        Assert.False(guest.Msix.IsProgrammed(0));
        Assert.Single(guest.MsixCalls);
    }

    [Fact]
    public void Unmask_Twice_SecondIsNoOp()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        guest.Enable(functionMask: true);
        guest.Ring(0);
        guest.Enable();
        int calls = guest.Device.IrqCalls.Count;

        guest.Unmask(0);

        Assert.Equal([0], guest.DeliveredVectors()); // the pending bit went out once, on the function unmask
        Assert.Equal(calls, guest.Device.IrqCalls.Count);
    }

    [Fact]
    public void Arrive_VectorAtOrBeyondN_Ignored()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);

        Assert.Equal(0, guest.Msix.Arrive(5, 1, out _));
        Assert.Equal(0, guest.Msix.Arrive(int.MaxValue, 1, out _));
        Assert.Equal(0, guest.Msix.Arrive(-1, 1, out _));
        Assert.Equal(0UL, guest.ReadPba());
    }

    [Fact]
    public void Arrive_NotProgrammed_IgnoredNotLatched()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.Program(3);

        Assert.Equal(0, guest.Msix.Arrive(3, 1, out _));
        Assert.False(guest.Msix.IsPending(3));

        guest.Unmask(3);
        Assert.Empty(guest.Lab.Sink.Messages); // nothing was latched to release
    }

    [Fact]
    public void Arrive_ProgrammedEffectivelyMasked_LatchedNotDelivered()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(2);
        guest.Mask(2);

        Assert.Equal(0, guest.Msix.Arrive(2, 1, out _));
        Assert.True(guest.Msix.IsPending(2));
    }

    [Fact]
    public void Arrive_ProgrammedUnmasked_DeliversLatchedMessage()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.Program(2, 0xFEE0_4000, 0x63);
        guest.Unmask(2);

        Assert.Equal(1, guest.Msix.Arrive(2, 1, out MsiMessage message));
        Assert.Equal(new MsiMessage(0xFEE0_4000, 0x63), message);
        Assert.False(guest.Msix.IsPending(2));
    }

    [Fact]
    public void Doorbell_EntryNeverUnmasked_NothingDeliveredHostKeepsItPending()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        guest.Program(2);

        guest.Ring(2);

        Assert.Empty(guest.Lab.Sink.Messages);
        Assert.False(guest.Msix.IsPending(2));
        Assert.True(guest.Lab.Sim.Function.IsMsixPending(2)); // unwired: the host masks it and the device latches it

        guest.Unmask(2);
        guest.Lab.Router.Drain();
        Assert.Equal([2], guest.DeliveredVectors()); // wiring releases the device's latch
    }
}
