using System.Buffers.Binary;
using System.Text;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Client;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Tests.Transport;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Client;

/// <summary>Connecting: the VERSION offer and how answers are taken (vfio-user.md §3), then device, region and IRQ info read once (§4, §5, §8 rule 4).</summary>
public sealed class VfioUserClientConnectTests
{
    private const string OfferJson =
        """{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576,"max_dma_maps":65535,"pgsizes":4096,"twin_socket":{"supported":true},"write_multiple":true}}""";

    [Fact]
    public void Connect_FirstMessage_IsVersionZeroTwoWithPassagesOfferAndNoFds()
    {
        using var harness = ClientHarness.Start();

        PeerRequest version = harness.Peer.Requests[0];
        Assert.Equal(VfioUserCommand.Version, version.Command);
        Assert.True(version.Header.IsCommand);
        Assert.Empty(version.Fds);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(version.Payload));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(version.Payload.AsSpan(2)));
        Assert.Equal(0, version.Payload[^1]);
        Assert.Equal(OfferJson, Encoding.UTF8.GetString(version.Payload.AsSpan(4, version.Payload.Length - 5)));
    }

    [Fact]
    public void Connect_AfterVersion_AsksDeviceInfoThenEveryRegionThenEveryIrqIndex()
    {
        using var harness = ClientHarness.Start();

        List<(VfioUserCommand Command, uint Index)> asked = [.. harness.Peer.Requests.Skip(1).Select(r => (r.Command, r.Command == VfioUserCommand.DeviceGetInfo ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(r.Payload.AsSpan(8))))];

        // Mappable regions 1 and 2 are asked twice (rule 4), the others once.
        uint[] regionOrder = [0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8];
        Assert.Equal(
            [(VfioUserCommand.DeviceGetInfo, 0u), .. regionOrder.Select(i => (VfioUserCommand.DeviceGetRegionInfo, i)), .. Enumerable.Range(0, 5).Select(i => (VfioUserCommand.DeviceGetIrqInfo, (uint)i))],
            asked);
        Assert.Equal(new DeviceInfo(DeviceFlags.Reset | DeviceFlags.Pci, 9, 5), harness.Client.Info);
        Assert.Equal(new IrqInfo(VfioIrq.Msix, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 16), harness.Client.GetIrqInfo(VfioIrq.Msix));
        Assert.Equal(new IrqInfo(VfioIrq.Intx, IrqInfoFlags.Eventfd | IrqInfoFlags.Maskable | IrqInfoFlags.Automasked, 1), harness.Client.GetIrqInfo(VfioIrq.Intx));
    }

    [Fact]
    public void Connect_MessageIds_IncrementFromRequestToRequest()
    {
        using var harness = ClientHarness.Start();

        ushort[] ids = [.. harness.Peer.Requests.Select(r => r.Header.MessageId)];
        Assert.Equal(1 + 1 + 11 + 5, ids.Length); // VERSION, device info, region info (two asked twice), IRQ info
        for (int i = 1; i < ids.Length; i++)
        {
            Assert.Equal(ids[i - 1] + 1, ids[i]);
        }
    }

    [Fact]
    public void Connect_TwinSocketGranted_AnswersTheServersCommandsOnIt()
    {
        using var harness = ClientHarness.Start(new PeerScript { GrantTwinSocket = true });

        Assert.True(harness.Client.UsesTwinSocket);
        Assert.Equal(2, harness.Client.Minor);
        Assert.Equal(8, harness.Client.ServerCapabilities.MaxMsgFds);

        // The twin socket answers: a DMA command on it gets a reply (an error one: nothing is mapped).
        PeerMessage? reply = harness.Peer.CallClient(VfioUserCommand.DmaRead, DmaHead(0x1000, 4));
        Assert.NotNull(reply);
        Assert.Equal(Errno.EINVAL, VfioUserErrorReply.ErrnoOf(reply.Header));
    }

    [Theory]
    [InlineData(false)] // the answer has no twin_socket at all
    [InlineData(true)] // twin_socket {"supported": false}
    public void Connect_TwinSocketDeclined_WorksWithoutIt(bool explicitlyDeclined)
    {
        var capabilities = new VersionCapabilities
        {
            MaxMsgFds = 8,
            TwinSocket = explicitlyDeclined ? new TwinSocketCapability(false) : null,
        };
        using var harness = ClientHarness.Start(new PeerScript { GrantTwinSocket = false, Capabilities = capabilities });

        Assert.False(harness.Client.UsesTwinSocket);
        Span<byte> id = stackalloc byte[2];
        Assert.Equal(Errno.None, harness.Client.Read(VfioRegion.Config, 0, id));
        Assert.Equal(PeerRegion.Pattern(VfioRegion.Config, 0), id[0]);
    }

    [Fact]
    public void Connect_AnswerWithLowerMinor_IsAccepted()
    {
        using var harness = ClientHarness.Start(new PeerScript { Minor = 0 });

        Assert.Equal(0, harness.Client.Minor);
    }

    [Theory]
    [InlineData("minor-3")] // a minor above the one offered
    [InlineData("major-1")] // another major
    [InlineData("no-nul")] // JSON not terminated by a NUL
    [InlineData("fraction")] // a number that is not an integer
    [InlineData("max-msg-fds-1025")] // beyond vfio-user's bound
    [InlineData("twin-without-fd")] // twin socket accepted, no fd sent
    [InlineData("twin-index-1")] // fd_index beyond the fds sent
    [InlineData("twin-not-a-socket")] // the fd is an eventfd
    [InlineData("fd-without-twin")] // an fd with a reply that grants no twin socket
    public void Connect_UnacceptableVersionAnswer_ThrowsEinvalAndClosesTheConnection(string answer)
    {
        using EventFd notASocket = EventFd.Create();
        (UnixSocket clientEnd, UnixSocket peerEnd) = UnixSocket.Pair();
        using var peer = new ScriptedPeer(peerEnd, new PeerScript
        {
            GrantTwinSocket = false,
            Override = request => request.Command == VfioUserCommand.Version ? BadVersion(request, answer, notASocket) : null,
        });

        var error = Assert.Throws<HostDeviceException>(() => VfioUserClient.Connect(clientEnd));

        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.True(peer.WaitForClientToLeave(), "the client kept the connection open");
        Assert.Single(peer.Requests);
    }

    [Fact]
    public void Connect_ServerAnswersEbusy_ThrowsEbusyInUseByAnotherClient()
    {
        (UnixSocket clientEnd, UnixSocket peerEnd) = UnixSocket.Pair();
        using var peer = new ScriptedPeer(peerEnd, new PeerScript { Override = _ => PeerReply.Fail(Errno.EBUSY) });

        var error = Assert.Throws<HostDeviceException>(() => VfioUserClient.Connect(clientEnd, name: "/run/passage/nic.sock"));

        Assert.Equal(Errno.EBUSY, error.Errno);
        Assert.Contains("/run/passage/nic.sock is in use by another client", error.Message, StringComparison.Ordinal);
        Assert.True(peer.WaitForClientToLeave());
    }

    [Fact]
    public void Connect_ServerClosesInsteadOfAnswering_ThrowsEio()
    {
        (UnixSocket clientEnd, UnixSocket peerEnd) = UnixSocket.Pair();
        using var peer = new ScriptedPeer(peerEnd, new PeerScript { Override = _ => PeerReply.CloseConnection() });

        var error = Assert.Throws<HostDeviceException>(() => VfioUserClient.Connect(clientEnd));

        Assert.Equal(Errno.EIO, error.Errno);
    }

    [Fact]
    public void Connect_ServerRefusesARegionQuery_ThrowsItsErrnoAndCloses()
    {
        (UnixSocket clientEnd, UnixSocket peerEnd) = UnixSocket.Pair();
        using var peer = new ScriptedPeer(peerEnd, new PeerScript
        {
            Override = r => r.Command == VfioUserCommand.DeviceGetRegionInfo ? PeerReply.Fail(Errno.ENODEV) : null,
        });

        var error = Assert.Throws<HostDeviceException>(() => VfioUserClient.Connect(clientEnd));

        Assert.Equal(Errno.ENODEV, error.Errno);
        Assert.True(peer.WaitForClientToLeave());
    }

    [Fact]
    public async Task Connect_ByPath_ReachesTheListeningServer()
    {
        using var directory = new TempSocketDirectory();
        string path = directory.Path("device.sock");
        using UnixListener listener = UnixListener.Bind(path);
        Task<ScriptedPeer> accepted = SocketPair.OnOwnThread(() => new ScriptedPeer(listener.Accept(TestContext.Current.CancellationToken), new PeerScript()));

        using VfioUserClient client = VfioUserClient.Connect(path);
        using ScriptedPeer peer = await accepted.WaitAsync(ScriptedPeer.Generous, TestContext.Current.CancellationToken);

        Assert.Equal(path, client.Name);
        Assert.Equal(9, client.Info.NumRegions);
        Assert.Equal(VfioUserCommand.Version, peer.Requests[0].Command);
    }

    [Fact]
    public void Connect_NothingListening_ThrowsTheSocketErrno()
    {
        using var directory = new TempSocketDirectory();

        var error = Assert.Throws<HostDeviceException>(() => VfioUserClient.Connect(directory.Path("absent.sock")));

        Assert.Equal(Errno.ENOENT, error.Errno);
    }

    private static byte[] DmaHead(ulong address, ulong count)
    {
        byte[] payload = new byte[VfioUserDmaAccess.HeadSize];
        new VfioUserDmaAccess(address, count).WriteHead(payload);
        return payload;
    }

    private static PeerReply BadVersion(PeerRequest request, string answer, EventFd notASocket)
    {
        static byte[] Version(ushort major, ushort minor, string json, bool nul = true)
        {
            byte[] text = Encoding.UTF8.GetBytes(json);
            byte[] payload = new byte[4 + text.Length + (nul ? 1 : 0)];
            BinaryPrimitives.WriteUInt16LittleEndian(payload, major);
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), minor);
            text.CopyTo(payload, 4);
            return payload;
        }

        const string Twin = """{"capabilities":{"max_msg_fds":8,"twin_socket":{"supported":true,"fd_index":0}}}""";
        return answer switch
        {
            "minor-3" => PeerReply.Ok(Version(0, 3, """{"capabilities":{"max_msg_fds":8}}""")),
            "major-1" => PeerReply.Ok(Version(1, 2, """{"capabilities":{"max_msg_fds":8}}""")),
            "no-nul" => PeerReply.Ok(Version(0, 2, """{"capabilities":{"max_msg_fds":8}}""", nul: false)),
            "fraction" => PeerReply.Ok(Version(0, 2, """{"capabilities":{"max_msg_fds":8.5}}""")),
            "max-msg-fds-1025" => PeerReply.Ok(Version(0, 2, """{"capabilities":{"max_msg_fds":1025}}""")),
            "twin-without-fd" => PeerReply.Ok(Version(0, 2, Twin)),
            "twin-index-1" => PeerReply.Ok(Version(0, 2, """{"capabilities":{"max_msg_fds":8,"twin_socket":{"supported":true,"fd_index":1}}}"""), notASocket.Fd),
            "twin-not-a-socket" => PeerReply.Ok(Version(0, 2, Twin), notASocket.Fd),
            "fd-without-twin" => PeerReply.Ok(Version(0, 2, """{"capabilities":{"max_msg_fds":8}}"""), notASocket.Fd),
            _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, "no such answer"),
        };
    }
}
