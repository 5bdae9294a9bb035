using Passage.Host.Devices;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>Programming entries onto lazy host vectors (vpci.md §7.7): dynamic and NORESIZE hosts, growth with catch-up, positive returns.</summary>
public sealed class MsixProgrammingTests
{
    private const string Nic = "0000:05:00.0";
    private const string Nvme = "0000:06:00.0";
    private const IrqSetFlags Eventfds = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;

    [Fact]
    public void Unmask_DynamicHost_OneSingleVectorCallPerEntry()
    {
        using var guest = MsixGuest.Open(Nvme);
        guest.Enable();

        guest.ProgramAndUnmask(3);
        guest.ProgramAndUnmask(1);
        guest.ProgramAndUnmask(32);

        var calls = guest.MsixCalls;
        Assert.Equal([(0u, 1u), (3u, 1u), (1u, 1u), (32u, 1u)], calls.Select(c => (c.Start, c.Count)));
        Assert.All(calls, c => Assert.Equal(Eventfds, c.Flags));
        Assert.Equal(-1, calls[0].Fds[0]);
        int[] fds = [.. calls.Skip(1).Select(c => c.Fds[0])];
        Assert.All(fds, fd => Assert.True(fd >= 0));
        Assert.Equal(3, fds.Distinct().Count());
        Assert.Equal(4, guest.Lab.Sim.Interrupts.MsixAllocated); // vector 0 of the enabling call and the three wired: nothing else
        Assert.Equal([1, 3, 32], Enumerable.Range(0, 33).Where(v => guest.Lab.Sim.Interrupts.IsWired(VfioIrq.Msix, v)));

        guest.Ring(32);
        guest.Ring(1);
        guest.Ring(3);
        Assert.Equal([32, 1, 3], guest.DeliveredVectors());
    }

    [Fact]
    public void Unmask_WiredEntryWithNewMessage_NoHostCallNewMessageLatched()
    {
        using var guest = MsixGuest.Open(Nic);
        guest.Enable();
        guest.ProgramAndUnmask(0);
        guest.Mask(0);
        int calls = guest.Device.IrqCalls.Count;

        guest.Program(0, 0xFEE0_8000, 0x7E);
        guest.Unmask(0);

        Assert.Equal(calls, guest.Device.IrqCalls.Count); // host vectors stay until the index is disabled
        Assert.Equal(new MsiMessage(0xFEE0_8000, 0x7E), guest.Msix.LatchedMessage(0));
        guest.Ring(0);
        Assert.Equal([new MsiMessage(0xFEE0_8000, 0x7E)], guest.Lab.Sink.Messages);
    }

    [Fact]
    public void Enable_NoResizeHostWithUnmaskedEntries_OneCallUpToHighestUnmasked()
    {
        using var guest = MsixGuest.Open(Nic, dynamicMsix: false);
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(2);

        guest.Enable();

        RecordingHostDevice.IrqCall call = Assert.Single(guest.MsixCalls);
        Assert.Equal((0u, 3u, Eventfds), (call.Start, call.Count, call.Flags));
        Assert.Equal(-1, call.Fds[1]);
        Assert.True(call.Fds[0] >= 0 && call.Fds[2] >= 0 && call.Fds[0] != call.Fds[2]);
        Assert.Equal(3, guest.Msix.HostVectorsAllocated);
        Assert.True(guest.Msix.IsProgrammed(0) && guest.Msix.IsProgrammed(2) && !guest.Msix.IsProgrammed(1));
        Assert.Empty(guest.Lab.Sink.Messages);

        guest.Ring(2);
        guest.Ring(0);
        Assert.Equal([2, 0], guest.DeliveredVectors());
    }

    [Fact]
    public void Enable_NoResizeHostFunctionMasked_ZeroVectorsThenOneGrowthAtFunctionUnmask()
    {
        using var guest = MsixGuest.Open(Nic, dynamicMsix: false);
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(2);

        guest.Enable(functionMask: true);

        Assert.Equal([-1], Assert.Single(guest.MsixCalls).Fds); // nothing is effectively unmasked

        guest.Enable();

        // One growth to the highest unmasked entry + 1, every unmasked entry wired in it.
        var calls = guest.MsixCalls.Skip(1).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[0].IsDisable);
        Assert.Equal((0u, 3u), (calls[1].Start, calls[1].Count));
        Assert.True(calls[1].Fds[0] >= 0 && calls[1].Fds[2] >= 0);
        Assert.Equal(-1, calls[1].Fds[1]);
        Assert.Empty(guest.DeliveredVectors()); // nothing was live before the growth: nothing to catch up
        guest.Ring(2);
        guest.Ring(0);
        Assert.Equal([2, 0], guest.DeliveredVectors());
    }

    [Fact]
    public void Unmask_NoResizeHostBelowCount_SingleVectorCall()
    {
        using var guest = MsixGuest.Open(Nic, dynamicMsix: false);
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(2);
        guest.Enable();

        guest.ProgramAndUnmask(1);

        RecordingHostDevice.IrqCall call = guest.MsixCalls[^1];
        Assert.Equal(2, guest.MsixCalls.Count);
        Assert.Equal((1u, 1u, Eventfds), (call.Start, call.Count, call.Flags));
        Assert.True(call.Fds[0] >= 0);
        Assert.Equal(3, guest.Msix.HostVectorsAllocated);
        guest.Ring(1);
        Assert.Equal([1], guest.DeliveredVectors());
    }

    [Theory]
    [InlineData(false, new[] { 0, 1, 2 })] // every programmed entry unmasked: each caught up once
    [InlineData(true, new[] { 0, 2 })] // entry 1 masked: programmed and rewired, latched as pending instead
    public void Unmask_NoResizeHostAtOrAboveCount_ReallocatesWithCatchUp(bool maskOne, int[] caughtUp)
    {
        using var guest = MsixGuest.Open(Nic, dynamicMsix: false);
        guest.ProgramAndUnmask(0);
        guest.ProgramAndUnmask(2);
        guest.Enable();
        guest.ProgramAndUnmask(1);
        if (maskOne)
        {
            guest.Mask(1);
        }

        int[] wired = guest.MsixCalls.SelectMany(c => c.Fds).Where(fd => fd >= 0).ToArray();
        int before = guest.MsixCalls.Count;

        guest.ProgramAndUnmask(4);

        var calls = guest.MsixCalls.Skip(before).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[0].IsDisable);
        Assert.Equal((0u, 5u, Eventfds), (calls[1].Start, calls[1].Count, calls[1].Flags));
        Assert.Equal(-1, calls[1].Fds[3]);
        Assert.Equal([wired[0], wired[2], wired[1]], calls[1].Fds[..3]); // eventfds kept: 0 and 2 at enable, then 1
        Assert.True(calls[1].Fds[4] >= 0);
        Assert.Equal(5, guest.Msix.HostVectorsAllocated);
        Assert.Equal(caughtUp, guest.DeliveredVectors().Order());
        Assert.Equal(maskOne, guest.Msix.IsPending(1)); // what a masked entry lost in the gap is one pending bit

        guest.Lab.Sink.Clear();
        guest.Ring(4);
        guest.Ring(0);
        guest.Ring(1);
        Assert.Equal(maskOne ? [4, 0] : [4, 0, 1], guest.DeliveredVectors());
        if (maskOne)
        {
            guest.Unmask(1);
            Assert.Equal([4, 0, 1], guest.DeliveredVectors()); // the latch and the ring while masked: one interrupt
        }
    }

    [Fact]
    public void Unmask_NoResizeHostWithTooFewVectors_LoggedUnprogrammedAndRetriedOnNextUnmask()
    {
        using var guest = MsixGuest.Open(Nic, dynamicMsix: false, msixAvailable: 3);
        guest.ProgramAndUnmask(0);
        guest.Enable();

        guest.ProgramAndUnmask(4);

        Assert.Contains("MsixVectorUnavailable(4, 3)", guest.Lab.Log);
        Assert.False(guest.Msix.IsProgrammed(4));
        Assert.True(guest.Msix.Table.IsUpdated(4));
        Assert.True(guest.Msix.IsProgrammed(0)); // what worked before keeps working
        guest.Ring(0);
        guest.Ring(4);
        Assert.DoesNotContain(4, guest.DeliveredVectors());
        Assert.Contains(0, guest.DeliveredVectors());

        guest.Lab.Sink.Clear();
        guest.Device.MsixAvailable = null;
        guest.Mask(4);
        guest.Unmask(4);
        guest.Lab.Router.Drain();

        Assert.True(guest.Msix.IsProgrammed(4));
        Assert.Equal(5u, guest.MsixCalls[^1].Count);
        Assert.Equal([0, 4], guest.DeliveredVectors().Order()); // catch-up for 0; the device's latch of 4, released once wired
        guest.Lab.Sink.Clear();
        guest.Ring(4);
        Assert.Equal([4], guest.DeliveredVectors());
    }

    [Fact]
    public void Unmask_DynamicHostWithTooFewVectors_LoggedUnprogrammedAndRetriedOnNextUnmask()
    {
        using var guest = MsixGuest.Open(Nic, msixAvailable: 2);
        guest.Enable();

        guest.ProgramAndUnmask(3);

        RecordingHostDevice.IrqCall call = guest.MsixCalls[^1];
        Assert.Equal((3u, 1u), (call.Start, call.Count));
        Assert.Contains("MsixVectorUnavailable(3, 2)", guest.Lab.Log);
        Assert.False(guest.Msix.IsProgrammed(3));
        Assert.True(guest.Msix.Table.IsUpdated(3));

        guest.Device.MsixAvailable = null;
        guest.Mask(3);
        guest.Unmask(3);

        Assert.True(guest.Msix.IsProgrammed(3));
        guest.Ring(3);
        Assert.Equal([3], guest.DeliveredVectors());
    }

    [Fact]
    public void Enable_NoResizeHostWithTooFewVectors_FallsBackToZeroVectorsAndLogs()
    {
        using var guest = MsixGuest.Open(Nic, dynamicMsix: false, msixAvailable: 2);
        guest.ProgramAndUnmask(4);

        guest.Enable();

        Assert.Equal((0u, 5u), (guest.MsixCalls[0].Start, guest.MsixCalls[0].Count));
        Assert.Contains("MsixVectorUnavailable(4, 2)", guest.Lab.Log);
        Assert.Contains(guest.MsixCalls, c => c.Count == 1 && c.Fds[0] == -1);
        Assert.True(guest.Msix.HostEnabled); // the function is still in MSI-X mode
        Assert.False(guest.Msix.IsProgrammed(4));
    }
}
