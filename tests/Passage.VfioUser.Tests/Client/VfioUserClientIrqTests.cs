using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Tests.Transport;

namespace Passage.VfioUser.Tests.Client;

/// <summary>SET_IRQS as the client sends it (vfio-user.md §6, §8 rule 3, the client side of the SET_IRQS contract): eventfd runs split by the fd limit, −1 runs as fd-less de-assignments, NONE/BOOL whole.</summary>
public sealed class VfioUserClientIrqTests : IDisposable
{
    private const IrqSetFlags EventfdTrigger = IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger;

    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    [Theory]
    [InlineData(8, new[] { 0, 8, 8, 4 })] // libvfio-user's 8
    [InlineData(16, new[] { 0, 8, 8, 4 })] // more than 8 offered: still 8 (rule 3)
    [InlineData(3, new[] { 0, 3, 3, 3, 6, 3, 9, 3 })] // a server taking 3 per message
    [InlineData(1, new[] { 0, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 1, 8, 1, 9, 1, 10, 1, 11, 1 })] // the protocol's default
    public void SetIrqs_TwelveEventfds_SplitIntoContiguousRunsOfAtMostTheFdLimit(int serverMaxFds, int[] startCountPairs)
    {
        ClientHarness harness = Start(serverMaxFds);
        EventFd[] eventfds = EventFds(12);

        Assert.Equal(0, harness.Client.SetIrqs(VfioIrq.Msix, 0, 12, EventfdTrigger, FdData(eventfds)));

        List<PeerRequest> sent = harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs);
        Assert.Equal(PairsOf(startCountPairs), [.. sent.Select(r => (Head(r).Start, Head(r).Count))]);
        int vector = 0;
        foreach (PeerRequest request in sent)
        {
            (uint argsz, IrqSetFlags flags, uint index, uint start, uint count) = Head(request);
            Assert.Equal((20u, EventfdTrigger, (uint)VfioIrq.Msix), (argsz, flags, index));
            Assert.Equal((int)count, request.Fds.Length);
            Assert.Equal(20, request.Payload.Length);
            foreach (FileDescriptorHandle received in request.Fds)
            {
                // Signalled on the server's side, read on the client's: the same kernel eventfd.
                EventFdIdentity.AssertSameObject(eventfds[vector], received, marker: (ulong)(100 + vector));
                vector++;
            }
        }

        Assert.Equal(12, vector);
    }

    [Theory]
    [InlineData(0u, new[] { 0, 1, 1, 1, 2, 0, 3, 2, 2 })] // the contract's example
    [InlineData(4u, new[] { 4, 1, 1, 5, 2, 0, 7, 2, 2 })] // the same from vector 4
    public void SetIrqs_UnwiredEntries_SentAsRunsWithoutFds(uint start, int[] startCountFds)
    {
        ClientHarness harness = Start(8);
        EventFd[] eventfds = EventFds(3);
        int[] table = [eventfds[0].Fd, -1, -1, eventfds[1].Fd, eventfds[2].Fd];

        harness.Client.SetIrqs(VfioIrq.Msix, start, 5, EventfdTrigger, FdData(table));

        List<PeerRequest> sent = harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs);
        var expected = new List<(uint, uint, int)>();
        for (int i = 0; i < startCountFds.Length; i += 3)
        {
            expected.Add(((uint)startCountFds[i], (uint)startCountFds[i + 1], startCountFds[i + 2]));
        }

        Assert.Equal(expected, [.. sent.Select(r => (Head(r).Start, Head(r).Count, r.Fds.Length))]);
        Assert.All(sent, r => Assert.Equal(EventfdTrigger, Head(r).Flags));
        EventFdIdentity.AssertSameObject(eventfds[0], sent[0].Fds[0], marker: 1);
        EventFdIdentity.AssertSameObject(eventfds[1], sent[2].Fds[0], marker: 2);
        EventFdIdentity.AssertSameObject(eventfds[2], sent[2].Fds[1], marker: 3);
    }

    [Fact]
    public void SetIrqs_Bool_SentWholeInOneMessageWithItsBytes()
    {
        ClientHarness harness = Start(8);

        harness.Client.SetIrqs(VfioIrq.Msix, 2, 12, IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger, [1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1]);

        PeerRequest sent = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs));
        Assert.Equal((32u, IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger, 2u, 2u, 12u), Head(sent));
        Assert.Equal(new byte[] { 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1 }, sent.Payload[20..]);
        Assert.Empty(sent.Fds);
    }

    [Theory]
    [InlineData(VfioIrq.Msix, 0u, 0u, IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger)] // disable
    [InlineData(VfioIrq.Intx, 0u, 1u, IrqSetFlags.DataNone | IrqSetFlags.ActionUnmask)] // INTx unmask
    [InlineData(VfioIrq.Intx, 0u, 1u, IrqSetFlags.DataNone | IrqSetFlags.ActionMask)] // INTx mask
    public void SetIrqs_None_SentAsOneMessageWithoutData(int index, uint start, uint count, IrqSetFlags flags)
    {
        ClientHarness harness = Start(8);

        harness.Client.SetIrqs(index, start, count, flags, []);

        PeerRequest sent = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs));
        Assert.Equal((20u, flags, (uint)index, start, count), Head(sent));
        Assert.Equal(20, sent.Payload.Length);
        Assert.Empty(sent.Fds);
    }

    [Fact]
    public void SetIrqs_UnmaskEventfdForIntx_KeepsTheAction()
    {
        ClientHarness harness = Start(8);
        EventFd[] unmask = EventFds(1);

        harness.Client.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.DataEventfd | IrqSetFlags.ActionUnmask, FdData(unmask));

        PeerRequest sent = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs));
        Assert.Equal((20u, IrqSetFlags.DataEventfd | IrqSetFlags.ActionUnmask, 0u, 0u, 1u), Head(sent));
        EventFdIdentity.AssertSameObject(unmask[0], Assert.Single(sent.Fds), marker: 9);
    }

    [Fact]
    public void SetIrqs_ServerRefusesAPiece_ThrowsItsErrnoAndSendsNoMore()
    {
        int setIrqs = 0;
        ClientHarness harness = Start(3, r => r.Command == VfioUserCommand.DeviceSetIrqs && ++setIrqs == 2 ? PeerReply.Fail(Errno.ENOSPC) : null);
        EventFd[] eventfds = EventFds(9);

        var error = Assert.Throws<HostDeviceException>(() => harness.Client.SetIrqs(VfioIrq.Msix, 0, 9, EventfdTrigger, FdData(eventfds)));

        Assert.Equal(Errno.ENOSPC, error.Errno);
        Assert.Equal(2, harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs).Count);
        Assert.False(harness.Client.IsLost);
    }

    [Theory]
    [InlineData(IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger, 3)] // BOOL wants one byte per vector
    [InlineData(IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger, 8)] // EVENTFD wants four per vector
    [InlineData(IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger, 1)] // NONE wants none
    public void SetIrqs_DataNotMatchingTheFlags_EinvalWithoutSending(IrqSetFlags flags, int length)
    {
        ClientHarness harness = Start(8);

        var error = Assert.Throws<HostDeviceException>(() => harness.Client.SetIrqs(VfioIrq.Msix, 0, 4, flags, new byte[length]));

        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Empty(harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs));
    }

    [Fact]
    public void SetIrqs_ServerTakingNoFds_EinvalForAnEventfdButUnwiringStillSent()
    {
        ClientHarness harness = Start(0);
        EventFd[] eventfds = EventFds(1);

        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.SetIrqs(VfioIrq.Msix, 0, 1, EventfdTrigger, FdData(eventfds))).Errno);
        harness.Client.SetIrqs(VfioIrq.Msix, 0, 2, EventfdTrigger, FdData([-1, -1]));

        PeerRequest sent = Assert.Single(harness.Peer.RequestsOf(VfioUserCommand.DeviceSetIrqs));
        Assert.Equal((0u, 2u, 0), (Head(sent).Start, Head(sent).Count, sent.Fds.Length));
    }

    [Fact]
    public void Reset_SendsDeviceResetWithNoPayload_AndThrowsTheServersErrno()
    {
        int resets = 0;
        ClientHarness harness = Start(8, r => r.Command == VfioUserCommand.DeviceReset && ++resets == 2 ? PeerReply.Fail(Errno.ENOTTY) : null);

        harness.Client.Reset();
        var error = Assert.Throws<HostDeviceException>(harness.Client.Reset);

        Assert.Equal(Errno.ENOTTY, error.Errno);
        Assert.All(harness.Peer.RequestsOf(VfioUserCommand.DeviceReset), r => Assert.Empty(r.Payload));
        Assert.Equal(2, harness.Peer.RequestsOf(VfioUserCommand.DeviceReset).Count);
    }

    [Fact]
    public void HotReset_NotInVfioUser_Enotty()
    {
        ClientHarness harness = Start(8);
        int before = harness.Peer.Requests.Count;

        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(harness.Client.GetHotResetInfo).Errno);
        Assert.Equal(Errno.ENOTTY, Assert.Throws<HostDeviceException>(() => harness.Client.HotReset(new HotResetProof([]))).Errno);
        Assert.Equal(before, harness.Peer.Requests.Count);
    }

    [Fact]
    public void GetIrqInfo_NoSuchIndex_Einval()
    {
        ClientHarness harness = Start(8);

        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.GetIrqInfo(5)).Errno);
    }

    private static (uint Argsz, IrqSetFlags Flags, uint Index, uint Start, uint Count) Head(PeerRequest request)
    {
        Assert.True(VfioUserSetIrqs.TryRead(request.Payload, out VfioUserSetIrqs head, out _));
        return (head.Argsz, head.Flags, head.Index, head.Start, head.Count);
    }

    private static List<(uint, uint)> PairsOf(int[] values)
    {
        var pairs = new List<(uint, uint)>();
        for (int i = 0; i < values.Length; i += 2)
        {
            pairs.Add(((uint)values[i], (uint)values[i + 1]));
        }

        return pairs;
    }

    private static byte[] FdData(EventFd[] eventfds) => FdData([.. eventfds.Select(e => e.Fd)]);

    private static byte[] FdData(int[] fds)
    {
        byte[] data = new byte[fds.Length * sizeof(int)];
        for (int i = 0; i < fds.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * sizeof(int)), fds[i]);
        }

        return data;
    }

    private EventFd[] EventFds(int count)
    {
        var eventfds = new EventFd[count];
        for (int i = 0; i < count; i++)
        {
            eventfds[i] = EventFd.Create();
            _owned.Add(eventfds[i]);
        }

        return eventfds;
    }

    private ClientHarness Start(int serverMaxFds, Func<PeerRequest, PeerReply?>? hook = null)
    {
        var harness = ClientHarness.Start(new PeerScript
        {
            Capabilities = new VersionCapabilities { MaxMsgFds = serverMaxFds },
            Override = hook,
        });
        _owned.Add(harness);
        return harness;
    }
}
