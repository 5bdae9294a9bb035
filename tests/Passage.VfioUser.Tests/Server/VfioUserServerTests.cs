using System.Runtime.Versioning;
using System.Text;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Server;
using Passage.VfioUser.Tests.Transport;
using Passage.VfioUser.Transport;
using static Passage.VfioUser.Tests.Server.ClientSteps;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// The server's life and its clients': the socket file, VERSION (vfio-user.md §3), one client at a
/// time, and what a client leaves behind when it goes (§7).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class VfioUserServerTests
{
    private const ulong Base = 0x1_0000_0000;

    [Fact]
    public void Start_SocketFile_ASocketOnlyTheOwnerMayUse()
    {
        using var harness = new ServerHarness();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(harness.Server.SocketPath));
        Assert.True((File.GetAttributes(harness.Server.SocketPath) & FileAttributes.Directory) == 0);
        Assert.Contains(harness.Log, line => line.Contains(harness.Server.SocketPath, StringComparison.Ordinal));
    }

    [Fact]
    public void Start_StaleSocketFile_ReplacedAndClientsServed()
    {
        using var directory = new TempSocketDirectory();
        using (var listener = UnixListener.Bind(directory.Path("gone.sock")))
        {
            // Moved away from under its listener, the socket file outlives it with nothing behind it.
            File.Move(directory.Path("gone.sock"), directory.Path("device.sock"));
        }

        Assert.True(Path.Exists(directory.Path("device.sock")));

        using var harness = new ServerHarness(directory: directory);
        using RawClient client = harness.Negotiated();
        using RawReply reply = client.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());

        Assert.Equal(Errno.None, reply.Errno);
    }

    [Fact]
    public void Version_PassageOffer_AnswerWithPassagesCapabilitiesAndTheTwinSocketAsFdZero()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Connect();

        using RawReply reply = client.Version();

        Assert.Equal("0000" + "0200", Convert.ToHexString(reply.Payload, 0, 4));
        Assert.Equal(
            "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,\"max_dma_maps\":65535,\"pgsizes\":4096,\"twin_socket\":{\"supported\":true,\"fd_index\":0},\"write_multiple\":true}}\0",
            Encoding.UTF8.GetString(reply.Payload, 4, reply.Payload.Length - 4));
        Assert.Single(reply.Fds);
        Assert.StartsWith("socket:", OpenDescriptors.Target(reply.Fds[0].Fd), StringComparison.Ordinal);
        VfioUserClientConnectedEventArgs connected = harness.Connections.Take(TestContext.Current.CancellationToken);
        Assert.Equal((1, (ushort)0, (ushort)2, 8, true), (connected.SessionId, connected.Major, connected.Minor, connected.Offer.MaxMsgFds, connected.Answer.TwinSocket!.Supported));
        Assert.Equal(1, harness.Server.ClientsServed);
        Assert.True(harness.Server.HasClient);
        Assert.Contains(harness.Log, line => line.StartsWith("client 1 connected: vfio-user 0.2", StringComparison.Ordinal));
    }

    [Fact]
    public void Version_LowerMinorNoTwinSocketSmallerTransfers_AnswerFollowsTheOffer()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Connect();

        using RawReply reply = client.Version(new VersionCapabilities { MaxDataXferSize = 65536 }, minor: 1);

        Assert.Equal("0000" + "0100", Convert.ToHexString(reply.Payload, 0, 4));
        Assert.Equal(
            "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":65536,\"max_dma_maps\":65535,\"pgsizes\":4096}}\0",
            Encoding.UTF8.GetString(reply.Payload, 4, reply.Payload.Length - 4));
        Assert.Empty(reply.Fds);
        Assert.Null(client.Twin);
    }

    [Fact]
    public void Version_ClientTakesNoFds_NoTwinSocketAndNothingMappable()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated(VersionCapabilities.PassageOffer with { MaxMsgFds = 0 });

        using RawReply region = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 4096));

        Assert.Null(client.Answer!.TwinSocket);
        Assert.Equal("20000000" + "03000000", Convert.ToHexString(region.Payload, 0, 8)); // 32 bytes, READ | WRITE
        Assert.Empty(region.Fds);
    }

    [Theory]
    [InlineData(1, 0)] // another major
    [InlineData(0, 2)] // the JSON is not an object
    [InlineData(0, 3)] // max_msg_fds beyond 1024
    [InlineData(0, 4)] // JSON without its NUL
    [InlineData(0, 5)] // shorter than major and minor
    public void Version_CannotAgree_EinvalThenClosedAndTheNextClientServed(ushort major, int shape)
    {
        using var harness = new ServerHarness();
        byte[] payload = shape switch
        {
            0 => RawClient.VersionPayload(VersionCapabilities.PassageOffer, major),
            2 => [0, 0, 2, 0, .. "[1]\0"u8],
            3 => [0, 0, 2, 0, .. "{\"capabilities\":{\"max_msg_fds\":2000}}\0"u8],
            4 => [0, 0, 2, 0, .. "{}"u8],
            _ => [0, 0, 2],
        };
        using (RawClient client = harness.Connect())
        {
            using RawReply reply = client.Request(VfioUserCommand.Version, payload);

            Assert.Equal(Errno.EINVAL, reply.Errno);
            Assert.True(client.WaitClosed());
        }

        Assert.Equal(VfioUserDisconnectReason.ProtocolError, harness.WaitDisconnected().Reason);
        AssertServesANewClient(harness);
    }

    [Fact]
    public void FirstMessage_NotVersion_ClosedWithoutAReply()
    {
        using var harness = new ServerHarness();
        using (RawClient client = harness.Connect())
        {
            client.Post(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());

            Assert.True(client.WaitClosed());
        }

        VfioUserClientDisconnectedEventArgs gone = harness.WaitDisconnected();
        Assert.Equal(VfioUserDisconnectReason.ProtocolError, gone.Reason);
        Assert.Contains("not VERSION", gone.Detail, StringComparison.Ordinal);
        Assert.Equal(0, harness.Server.ClientsServed);
        AssertServesANewClient(harness);
    }

    [Fact]
    public void SecondClient_WhileTheFirstIsServed_EbusyAndClosedWhileTheFirstGoesOn()
    {
        using var harness = new ServerHarness();
        using RawClient first = harness.Negotiated();
        using (RawClient second = harness.Connect())
        {
            using RawReply refused = second.Version();

            Assert.Equal((Errno.EBUSY, VfioUserCommand.Version, 16u), (refused.Errno, refused.Header.Command, refused.Header.MessageSize));
            Assert.True(second.WaitClosed());
        }

        Assert.Contains("EBUSY", harness.WaitRefused().Detail, StringComparison.Ordinal);
        using RawReply info = first.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());
        Assert.Equal(Errno.None, info.Errno);
        Assert.Equal((1L, 1L), (harness.Server.ClientsServed, harness.Server.ClientsRefused));
        Assert.Empty(harness.Disconnections);
    }

    [Fact]
    public void SecondClient_FirstLeavesBeforeItsVersion_TakenOnAsTheNextSession()
    {
        using var harness = new ServerHarness();
        RawClient first = harness.Negotiated();
        using RawClient second = harness.Connect();
        harness.WaitForLog("while client 1 is being served");
        first.Dispose();

        Assert.Equal((1, VfioUserDisconnectReason.Closed), harness.WaitDisconnected() is var gone ? (gone.SessionId, gone.Reason) : default);

        using RawReply version = second.Version();

        Assert.Equal(Errno.None, version.Errno);
        Assert.NotNull(second.Twin);
        using RawReply reply = second.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());
        Assert.Equal(Errno.None, reply.Errno);
        Assert.Equal((2L, 0L), (harness.Server.ClientsServed, harness.Server.ClientsRefused));
    }

    [Fact]
    public void ClientCloses_WithInterruptsEnabledAndDmaMapped_EverythingReleasedAndTheNextClientServed()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, dynamicMsix: false);
        EventFd[] eventFds = NewEventFds(12);
        using MemFdMemory memory = MemFdMemory.Create(0x4000, "client-ram");
        try
        {
            using (RawClient client = harness.Negotiated())
            {
                Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 0, 8, eventFds[..8]));
                Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 8, 4, eventFds[8..]));
                using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(VfioUserDmaMapFlags.Read | VfioUserDmaMapFlags.Write, 0, Base, 0x4000), [memory.Fd]);
                using RawReply recorded = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(VfioUserDmaMapFlags.Read, 0, Base + 0x10000, 0x1000));
                client.EnableDecoding();
                Assert.Equal((VfioIrq.Msix, 12, 2), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated, harness.Server.DmaWindows.Count));
            }

            VfioUserClientDisconnectedEventArgs gone = harness.WaitDisconnected();

            Assert.Equal((1, VfioUserDisconnectReason.Closed), (gone.SessionId, gone.Reason));
            Assert.Equal((-1, 0), (harness.Device.Interrupts.ActiveIndex, harness.Device.Interrupts.MsixAllocated));
            Assert.Empty(harness.Server.DmaWindows);
            Assert.False(harness.Server.HasClient);
            Assert.Equal(ServerErrno.NoClient, harness.Server.ReadDma(Base, new byte[4]));

            // Device state other than the client's is kept: decoding stays on.
            byte[] command = new byte[2];
            harness.Device.Read(VfioRegion.Config, 4, command);
            Assert.Equal(0x06, command[0] & 0x06);

            using RawClient next = harness.Negotiated();
            Assert.Equal(Errno.None, next.WireEventfds(VfioIrq.Msix, 0, 2, eventFds[..2]));
            next.RingDoorbell(harness.ControlBlock, 1);
            Assert.Equal([false, true], Signalled(eventFds[..2]));
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void Dispose_WithAClient_TheClientSeesTheEndEverythingReleasedAndTheSocketFileGone()
    {
        var harness = new ServerHarness(ServerHarness.Nvme);
        EventFd[] eventFds = NewEventFds(2);
        using RawClient client = harness.Negotiated();
        try
        {
            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 0, 2, eventFds));

            harness.Server.Dispose();

            Assert.Equal(VfioUserDisconnectReason.Stopped, harness.WaitDisconnected().Reason);
            Assert.True(client.WaitClosed());
            Assert.Equal(-1, harness.Device.Interrupts.ActiveIndex);
            Assert.False(Path.Exists(harness.Server.SocketPath));
            Assert.Throws<ObjectDisposedException>(harness.Server.Start);
        }
        finally
        {
            eventFds.DisposeAll();
            harness.Dispose();
        }
    }

    [Fact]
    public void TwoServers_GarbageOnOne_TheOtherSessionUndisturbed()
    {
        using var directory = new TempSocketDirectory();
        using var nic = new ServerHarness(ServerHarness.Nic, directory: directory, name: "nic.sock");
        using var nvme = new ServerHarness(ServerHarness.Nvme, directory: directory, name: "nvme.sock", host: nic.Host);
        using RawClient steady = nvme.Negotiated();
        using RawClient hostile = nic.Negotiated();
        using RawReply before = steady.Request(VfioUserCommand.DeviceGetIrqInfo, Payloads.IrqInfo(VfioIrq.Msix));

        byte[] garbage = new byte[64];
        new Random(7).NextBytes(garbage);
        garbage[4] = 0xFF; // a size far beyond the bound
        hostile.Main.SendRaw(garbage);

        Assert.True(hostile.WaitClosed());
        Assert.Equal(VfioUserDisconnectReason.ProtocolError, nic.WaitDisconnected().Reason);
        using RawReply after = steady.Request(VfioUserCommand.DeviceGetIrqInfo, Payloads.IrqInfo(VfioIrq.Msix));
        Assert.Equal(before.Payload, after.Payload);
        Assert.Equal("10000000" + "01000000" + "02000000" + "21000000", after.Hex); // 33 vectors, still the NVMe's
        Assert.Empty(nvme.Disconnections);
        AssertServesANewClient(nic);
    }

    [Fact]
    public void MessagesHandled_EveryMessageOfTheSessionCounted()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using (RawReply a = client.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo()))
        using (RawReply c = client.Request(VfioUserCommand.DeviceGetIrqInfo, Payloads.IrqInfo(9)))
        {
            Assert.Equal((Errno.None, Errno.EINVAL), (a.Errno, c.Errno));
        }

        client.Post((VfioUserCommand)14, new byte[4]);
        Assert.Equal(16, client.ReceiveRaw(16).Length); // the EINVAL header

        // VERSION and the three commands, refused ones included.
        Assert.Equal(4, harness.Server.MessagesHandled);
    }

    private static void AssertServesANewClient(ServerHarness harness)
    {
        using RawClient client = harness.Negotiated();
        using RawReply reply = client.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());
        Assert.Equal(Errno.None, reply.Errno);
        Assert.Equal("09000000" + "05000000", Convert.ToHexString(reply.Payload, 8, 8));
    }

    private static class ServerErrno
    {
        public const Errno NoClient = Errno.ENODEV;
    }
}
