using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using static Passage.VfioUser.Tests.Server.ClientSteps;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// SET_IRQS as the client/server contract has it (vfio-user.md §6): eventfds split across messages
/// end up wired on the device as one VFIO call would have wired them, and the device's interrupts
/// reach the client's eventfds. Over a lab NVMe drive (33 MSI-X vectors).
/// </summary>
public sealed class VfioUserServerIrqTests
{
    private const uint Msix = VfioIrq.Msix;

    [Theory]
    [InlineData(true)] // vectors added while enabled
    [InlineData(false)] // NORESIZE: disabled and enabled again with the whole table
    public void SetIrqs_TwelveMsixEventfdsAsEightPlusFour_TwelveWiredAndEachDoorbellReachesItsEventfd(bool dynamicMsix)
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, dynamicMsix);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(12);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 8, eventFds[..8]));
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 8, 4, eventFds[8..]));

            Assert.Equal((VfioIrq.Msix, 12), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated));
            Assert.Equal([.. Enumerable.Repeat(true, 12), false, false], Enumerable.Range(0, 14).Select(v => harness.Device.Interrupts.IsWired(VfioIrq.Msix, v)));
            client.EnableDecoding();
            for (int vector = 0; vector < 12; vector++)
            {
                client.RingDoorbell(harness.ControlBlock, vector);
                Assert.Equal(Enumerable.Range(0, 12).Select(v => v == vector), Signalled(eventFds));
            }
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Theory]
    [InlineData(true, 2)] // forwarded as they are
    [InlineData(false, 3)] // the second message grows a NORESIZE index: disable, then enable with all 12
    public void SetIrqs_EightPlusFour_TheDeviceCallsTheContractPrescribes(bool dynamicMsix, int calls)
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, dynamicMsix, export: device => new ForwardingDevice(device));
        var device = (ForwardingDevice)harness.Exported;
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(12);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 8, eventFds[..8]));
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 8, 4, eventFds[8..]));

            var seen = device.SetIrqsCalls.ToArray();
            Assert.Equal(calls, seen.Length);
            Assert.All(seen.SelectMany(c => c.Fds), fd => Assert.True(fd >= 0));
            const IrqSetFlags trigger = IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger;
            (int, uint, uint, IrqSetFlags, int)[] expected = dynamicMsix
                ? [(2, 0, 8, trigger, 8), (2, 8, 4, trigger, 4)]
                : [(2, 0, 8, trigger, 8), (2, 0, 0, IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger, 0), (2, 0, 12, trigger, 12)];
            Assert.Equal(expected, seen.Select(c => (c.Index, c.Start, c.Count, c.Flags, c.Fds.Length)));
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_MessageWithoutFds_UnwiresItsRangeOnly()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(8);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 8, eventFds));

            Assert.Equal(Errno.None, client.WireEventfds(Msix, 2, 3, []));

            Assert.Equal([true, true, false, false, false, true, true, true], Enumerable.Range(0, 8).Select(v => harness.Device.Interrupts.IsWired(VfioIrq.Msix, v)));
            client.EnableDecoding();
            client.RingDoorbell(harness.ControlBlock, 3);
            Assert.All(Signalled(eventFds), Assert.False);
            client.RingDoorbell(harness.ControlBlock, 5);
            Assert.Equal(Enumerable.Range(0, 8).Select(v => v == 5), Signalled(eventFds));
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_NoResizeGrowthPastTheEnabledCount_ReenabledWithTheWholeTable()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, dynamicMsix: false);
        using RawClient client = harness.Negotiated();
        EventFd[] first = NewEventFds(4), later = NewEventFds(2);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 4, first));

            Assert.Equal(Errno.None, client.WireEventfds(Msix, 10, 2, later));

            // Enabled with 12 (the furthest vector asked), the first four still on their eventfds.
            Assert.Equal(12, harness.Device.Interrupts.MsixAllocated);
            bool[] wired = [true, true, true, true, false, false, false, false, false, false, true, true];
            Assert.Equal(wired, Enumerable.Range(0, 12).Select(v => harness.Device.Interrupts.IsWired(VfioIrq.Msix, v)));
            client.EnableDecoding();
            client.RingDoorbell(harness.ControlBlock, 0);
            client.RingDoorbell(harness.ControlBlock, 11);
            Assert.Equal([true, false, false, false], Signalled(first));
            Assert.Equal([false, true], Signalled(later));
        }
        finally
        {
            first.DisposeAll();
            later.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_NoResizeWithinTheEnabledCount_ForwardedAndOnlyThatVectorMoves()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, dynamicMsix: false, export: device => new ForwardingDevice(device));
        var device = (ForwardingDevice)harness.Exported;
        using RawClient client = harness.Negotiated();
        EventFd[] first = NewEventFds(4);
        using EventFd replacement = EventFd.Create();
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 4, first));

            Assert.Equal(Errno.None, client.WireEventfds(Msix, 1, 1, [replacement]));

            Assert.Equal((2, 1u, 1u), device.SetIrqsCalls.Last() is var last ? (last.Index, last.Start, last.Count) : default);
            Assert.Equal(4, harness.Device.Interrupts.MsixAllocated);
            client.EnableDecoding();
            client.RingDoorbell(harness.ControlBlock, 1);
            Assert.True(replacement.TryRead(out ulong count) && count == 1);
            Assert.All(Signalled(first), Assert.False);
        }
        finally
        {
            first.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_MsiGrowth_NoResizeIndexEnabledAgainWithAllVectors()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(4);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msi, 0, 2, eventFds[..2]));
            Assert.Equal(2, harness.Device.MsiVectorsAllocated);

            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msi, 2, 2, eventFds[2..]));

            Assert.Equal((VfioIrq.Msi, 4), (harness.Device.Interrupts.ActiveIndex, harness.Device.MsiVectorsAllocated));
            Assert.All(Enumerable.Range(0, 4), v => Assert.True(harness.Device.Interrupts.IsWired(VfioIrq.Msi, v)));
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_Disable_TheDeviceDisablesAndCanBeEnabledAgain()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(4);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 4, eventFds));

            Assert.Equal(Errno.None, client.DisableIrqs(Msix));

            Assert.Equal((-1, 0), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated));
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 2, eventFds[..2]));
            Assert.Equal((VfioIrq.Msix, 2), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated));
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Theory]
    [InlineData(0x26u, 2u, 0u, 2u, 0, 0)] // EVENTFD and BOOL together
    [InlineData(0x2Cu, 2u, 0u, 2u, 0, 0)] // TRIGGER and MASK together
    [InlineData(0x64u, 2u, 0u, 2u, 0, 0)] // a bit beyond the DATA and ACTION bits
    [InlineData(0x24u, 2u, 0u, 2u, 1, 0)] // one fd for two vectors
    [InlineData(0x24u, 2u, 32u, 2u, 2, 0)] // past the 33 vectors
    [InlineData(0x24u, 2u, 0u, 0u, 0, 0)] // count 0 that is not NONE | TRIGGER
    [InlineData(0x22u, 2u, 0u, 2u, 0, 1)] // one BOOL byte for two vectors
    [InlineData(0x28u, 2u, 0u, 1u, 1, 0)] // an fd with NONE
    [InlineData(0x21u, 3u, 0u, 2u, 0, 0)] // ERR with count 2
    [InlineData(0x21u, 5u, 0u, 1u, 0, 0)] // an index the device does not have
    public void SetIrqs_BreaksTheRules_EinvalAndNothingChanges(uint flags, uint index, uint start, uint count, int fdCount, int boolBytes)
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] wired = NewEventFds(4), extra = NewEventFds(fdCount);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 4, wired));

            using RawReply reply = client.Request(
                VfioUserCommand.DeviceSetIrqs,
                Payloads.SetIrqs((IrqSetFlags)flags, index, start, count, boolBytes == 0 ? null : new byte[boolBytes]),
                [.. extra.Select(e => e.Fd)]);

            Assert.Equal(Errno.EINVAL, reply.Errno);
            Assert.Equal((VfioIrq.Msix, 4), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated));
            client.EnableDecoding();
            client.RingDoorbell(harness.ControlBlock, 2);
            Assert.Equal([false, false, true, false], Signalled(wired));
        }
        finally
        {
            wired.DisposeAll();
            extra.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_BoolTrigger_LoopsBackTheVectorsSetTrue()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(4);
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 4, eventFds));

            using RawReply reply = client.Request(VfioUserCommand.DeviceSetIrqs, Payloads.SetIrqs(IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger, Msix, 0, 3, [1, 0, 1]));

            Assert.Equal(Errno.None, reply.Errno);
            Assert.Equal([true, false, true, false], Signalled(eventFds));
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_DeviceHasFewerVectors_EnospcTheEntriesRestoredAndTheIndexBackAsItWas()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, dynamicMsix: false, export: device => new ForwardingDevice(device));
        var device = (ForwardingDevice)harness.Exported;
        using RawClient client = harness.Negotiated();
        EventFd[] first = NewEventFds(2), refused = NewEventFds(6);
        using EventFd later = EventFd.Create();
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 0, 2, first));

            // Only 3 vectors for any enable beyond 2: VFIO's positive return.
            device.SetIrqsOverride = (index, start, count, flags) => count > 2 && (flags & IrqSetFlags.DataEventfd) != 0 ? 3 : null;
            Assert.Equal(Errno.ENOSPC, client.WireEventfds(Msix, 2, 6, refused));

            Assert.Equal((VfioIrq.Msix, 2), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated));
            client.EnableDecoding();
            client.RingDoorbell(harness.ControlBlock, 1);
            Assert.Equal([false, true], Signalled(first));

            // The refused message's entries are gone from the table: the next growth re-sends −1 for them.
            device.SetIrqsOverride = null;
            Assert.Equal(Errno.None, client.WireEventfds(Msix, 6, 1, [later]));
            int[] table = device.SetIrqsCalls.Last().Fds;
            Assert.Equal(7, table.Length);
            Assert.Equal([true, true, false, false, false, false, true], table.Select(fd => fd >= 0));
        }
        finally
        {
            first.DisposeAll();
            refused.DisposeAll();
        }
    }
}
