using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Client;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Client;

/// <summary>A lost server (vfio-user.md §7): the socket closes or the protocol breaks, and from then on every call fails with EIO; and disposing the client.</summary>
public sealed class VfioUserClientLossTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    [Fact]
    public void ServerCloses_EveryMemberFailsWithEio()
    {
        ClientHarness harness = Start(new PeerScript { GrantTwinSocket = false });
        VfioUserClient client = harness.Client;
        MemFdMemory memory = Own(MemFdMemory.Create(4096));
        using FileDescriptorHandle fd = memory.DuplicateDescriptor();
        int before = harness.Peer.Requests.Count;

        harness.Peer.CloseConnection();

        Assert.Equal(Errno.EIO, client.Read(VfioRegion.Config, 0, new byte[4]));
        Assert.True(client.IsLost);
        Assert.Equal(Errno.EIO, client.Write(VfioRegion.Config, 0, new byte[4]));
        Assert.Equal(Errno.EIO, client.Read(0, 0, []));
        AssertEio(() => client.GetRegionInfo(0));
        AssertEio(() => client.Map(1, 0));
        AssertEio(() => client.OpenRegionFile(1));
        AssertEio(() => client.GetIrqInfo(VfioIrq.Msix));
        AssertEio(() => client.SetIrqs(VfioIrq.Msix, 0, 0, IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger, []));
        AssertEio(client.Reset);
        AssertEio(client.GetHotResetInfo);
        AssertEio(() => client.HotReset(new HotResetProof([])));
        AssertEio(() => client.MapDma(0x1000, memory));
        AssertEio(() => client.MapDma(0x1000, fd, 0, 4096));
        AssertEio(() => client.MapDma(0x1000, new byte[16]));
        AssertEio(() => client.UnmapDma(0x1000, 4096));
        Assert.Equal(before, harness.Peer.Requests.Count);
        Assert.Equal(9, client.Info.NumRegions); // cached, still answers
        Assert.Contains("closed", client.LostReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerCloses_WithTwinSocket_LossNoticedAndReportedWithoutACall()
    {
        ClientHarness harness = Start(new PeerScript { GrantTwinSocket = true });
        var lost = new TaskCompletionSource<VfioUserClientLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Client.Lost += (sender, e) =>
        {
            Assert.Same(harness.Client, sender);
            lost.TrySetResult(e);
        };

        harness.Peer.CloseConnection();
        VfioUserClientLostEventArgs args = await lost.Task.WaitAsync(ScriptedPeer.Generous, TestContext.Current.CancellationToken);

        Assert.Contains("twin socket", args.Reason, StringComparison.Ordinal);
        Assert.Equal(args.Reason, harness.Client.LostReason);
        Assert.Equal(Errno.EIO, harness.Client.Read(VfioRegion.Config, 0, new byte[4]));
    }

    [Theory]
    [InlineData(1, VfioUserCommand.RegionRead)] // the next id
    [InlineData(-1, VfioUserCommand.RegionRead)] // the previous id
    [InlineData(0, VfioUserCommand.RegionWrite)] // the right id, another command
    public async Task Read_ReplyToAnotherRequest_LostAndClosed(int idDelta, VfioUserCommand command)
    {
        ClientHarness harness = Start(new PeerScript
        {
            Override = request =>
            {
                if (request.Command != VfioUserCommand.RegionRead)
                {
                    return null;
                }

                byte[] reply = new byte[16 + 16 + 4];
                new VfioUserHeader((ushort)(request.Header.MessageId + idDelta), command, (uint)reply.Length, VfioUserMessageFlags.Reply, 0).Write(reply);
                request.Payload.CopyTo(reply, 16);
                return PeerReply.RawMessage(reply);
            },
        });
        var lost = new TaskCompletionSource<VfioUserClientLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Client.Lost += (_, e) => lost.TrySetResult(e);

        Assert.Equal(Errno.EIO, harness.Client.Read(VfioRegion.Config, 0, new byte[4]));

        Assert.True(harness.Client.IsLost);
        Assert.Contains("answered request", harness.Client.LostReason, StringComparison.Ordinal);
        Assert.True(harness.Peer.WaitForClientToLeave(), "the client kept a connection it can no longer trust");
        VfioUserClientLostEventArgs args = await lost.Task.WaitAsync(ScriptedPeer.Generous, TestContext.Current.CancellationToken);
        Assert.Equal(harness.Client.LostReason, args.Reason);
        Assert.Equal(Errno.EIO, harness.Client.Read(VfioRegion.Config, 0, new byte[4]));
    }

    [Theory]
    [InlineData(VfioUserCommand.RegionRead, 8)] // fewer data bytes than asked for
    [InlineData(VfioUserCommand.RegionWrite, 0)] // no echo of the write
    public void Access_MalformedReply_LostWithEio(VfioUserCommand command, int payload)
    {
        ClientHarness harness = Start(new PeerScript
        {
            Override = request => request.Command == command ? PeerReply.Ok(new byte[payload]) : null,
        });

        Errno errno = command == VfioUserCommand.RegionRead
            ? harness.Client.Read(VfioRegion.Config, 0, new byte[4])
            : harness.Client.Write(VfioRegion.Config, 0, new byte[4]);

        Assert.Equal(Errno.EIO, errno);
        Assert.True(harness.Client.IsLost);
        Assert.True(harness.Peer.WaitForClientToLeave());
    }

    [Fact]
    public void Read_ReplyCarryingAnFd_EinvalAndTheFdIsNotKept()
    {
        using EventFd stray = EventFd.Create();
        ClientHarness harness = Start(new PeerScript
        {
            Override = request =>
            {
                if (request.Command != VfioUserCommand.RegionRead)
                {
                    return null;
                }

                byte[] reply = new byte[16 + 4];
                request.Payload.CopyTo(reply, 0);
                return PeerReply.Ok(reply, stray.Fd);
            },
        });

        Assert.Equal(Errno.EINVAL, harness.Client.Read(VfioRegion.Config, 0, new byte[4]));

        Assert.False(harness.Client.IsLost);
        Assert.Empty(CopiesOf(stray));
    }

    [Fact]
    public void Dispose_ClosesTheConnection_LaterCallsFailAndMappingsStayValid()
    {
        ClientHarness harness = Start();
        var raised = false;
        harness.Client.Lost += (_, _) => raised = true;
        IMappedArea area = Own(harness.Client.Map(1, 0));

        harness.Client.Dispose();

        Assert.True(harness.Peer.WaitForClientToLeave());
        Assert.Equal(Errno.EIO, harness.Client.Read(VfioRegion.Config, 0, new byte[4]));
        Assert.Equal(Errno.EIO, Assert.Throws<HostDeviceException>(() => harness.Client.Map(1, 0)).Errno);
        harness.Peer.Region(1).Bytes[7] = 0x42;
        Assert.Equal(0x42, area.Span[7]);
        Assert.False(raised);
    }

    [Fact]
    public async Task Dispose_WhileARequestWaits_TheRequestEndsWithEio()
    {
        var waiting = new ManualResetEventSlim();
        _owned.Add(waiting);
        ClientHarness harness = Start(new PeerScript
        {
            Override = request =>
            {
                if (request.Command != VfioUserCommand.DeviceReset)
                {
                    return null;
                }

                waiting.Set();
                return PeerReply.Nothing();
            },
        });

        Task<Errno> reset = Task.Factory.StartNew(
            () => Assert.Throws<HostDeviceException>(harness.Client.Reset).Errno,
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Assert.True(waiting.Wait(ScriptedPeer.Generous, TestContext.Current.CancellationToken));
        harness.Client.Dispose();

        Assert.Equal(Errno.EIO, await reset.WaitAsync(ScriptedPeer.Generous, TestContext.Current.CancellationToken));
    }

    // The kernel names every eventfd in fdinfo ("eventfd-id: N"); copies of one share the id.
    private static string EventFdId(int fd) =>
        File.ReadAllLines($"/proc/self/fdinfo/{fd}").SingleOrDefault(l => l.StartsWith("eventfd-id:", StringComparison.Ordinal)) ?? "";

    private static List<int> CopiesOf(EventFd eventfd)
    {
        string id = EventFdId(eventfd.Fd);
        Assert.NotEqual("", id);
        var copies = new List<int>();
        foreach (string link in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            int fd = int.Parse(Path.GetFileName(link), System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                if (fd != eventfd.Fd && new FileInfo(link).LinkTarget == "anon_inode:[eventfd]" && EventFdId(fd) == id)
                {
                    copies.Add(fd);
                }
            }
            catch (IOException)
            {
                // Closed meanwhile by another test.
            }
        }

        return copies;
    }

    private static void AssertEio(Action call) => Assert.Equal(Errno.EIO, Assert.Throws<HostDeviceException>(call).Errno);

    private static void AssertEio<T>(Func<T> call) => Assert.Equal(Errno.EIO, Assert.Throws<HostDeviceException>(() => call()).Errno);

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private ClientHarness Start(PeerScript? script = null) => Own(ClientHarness.Start(script));
}
