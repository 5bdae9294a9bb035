using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Session;

public sealed class VfioUserConnectionTests : IDisposable
{
    private readonly VfioUserConnection _server;
    private readonly VfioUserConnection _client;

    public VfioUserConnectionTests()
    {
        (UnixSocket a, UnixSocket b) = UnixSocket.Pair();
        _server = new VfioUserConnection(a, VfioUserFrameKinds.Commands);
        _client = new VfioUserConnection(b, VfioUserFrameKinds.Replies);
    }

    public void Dispose()
    {
        _server.Dispose();
        _client.Dispose();
    }

    [Fact]
    public void Receive_PipelinedCommands_EachWithItsPayloadAndOwnFds()
    {
        using EventFd first = EventFd.Create();
        using EventFd second = EventFd.Create();
        _client.Send(VfioUserHeader.ForCommand(1, VfioUserCommand.DeviceGetInfo, 4), [1, 2, 3, 4]);
        _client.Send(VfioUserHeader.ForCommand(2, VfioUserCommand.DeviceSetIrqs, 2), [5, 6], [first.Fd, second.Fd]);
        _client.Send(VfioUserHeader.ForCommand(3, VfioUserCommand.DeviceReset, 0), []);

        var seen = new List<(ushort Id, VfioUserCommand Command, string Payload, int Fds)>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(VfioUserReceiveStatus.Message, _server.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out _, TestContext.Current.CancellationToken));
            seen.Add((frame.Header.MessageId, frame.Header.Command, Convert.ToHexString(frame.Payload), fds.Length));
            if (fds.Length == 2)
            {
                // The kernel objects behind the received fds are the sender's eventfds.
                using EventFd received = EventFd.FromDuplicate(fds[1].Fd);
                received.Signal();
                Assert.True(second.TryRead(out ulong count) && count == 1);
            }

            foreach (FileDescriptorHandle fd in fds)
            {
                fd.Dispose();
            }
        }

        Assert.Equal(
            [(1, VfioUserCommand.DeviceGetInfo, "01020304", 0), (2, VfioUserCommand.DeviceSetIrqs, "0506", 2), (3, VfioUserCommand.DeviceReset, string.Empty, 0)],
            seen);
    }

    [Fact]
    public void Receive_UnknownCommand_RefusedWithEinvalAndTheStreamStaysInStep()
    {
        Span<byte> unknown = stackalloc byte[20];
        new VfioUserHeader(7, (VfioUserCommand)14, 20, VfioUserMessageFlags.Command, 0).Write(unknown);
        _client.SendRaw(unknown);
        _client.Send(VfioUserHeader.ForCommand(8, VfioUserCommand.DeviceReset, 0), []);

        Assert.Equal(VfioUserReceiveStatus.Refused, _server.Receive(out VfioUserFrame refused, out _, out VfioUserFrameError error, TestContext.Current.CancellationToken));
        Assert.Equal((7, Errno.EINVAL), (refused.Header.MessageId, error.Errno));
        Assert.Equal(VfioUserReceiveStatus.Message, _server.Receive(out VfioUserFrame next, out _, out _, TestContext.Current.CancellationToken));
        Assert.Equal(8, next.Header.MessageId);
    }

    [Fact]
    public void Receive_SizeAboveTheBound_ProtocolException()
    {
        Span<byte> header = stackalloc byte[16];
        new VfioUserHeader(1, VfioUserCommand.RegionWrite, VfioUserLimits.MaxMessageSize + 1u, VfioUserMessageFlags.Command, 0).Write(header);
        _client.SendRaw(header);

        var e = Assert.Throws<VfioUserProtocolException>(() => _server.Receive(out _, out _, out _, TestContext.Current.CancellationToken));
        Assert.Equal(VfioUserFrameFault.SizeAboveLimit, e.Fault);
    }

    [Fact]
    public void Receive_ReplyOnACommandStream_ProtocolException()
    {
        _client.Send(VfioUserHeader.ForReply(VfioUserHeader.ForCommand(1, VfioUserCommand.DeviceReset, 0), 0), []);

        Assert.Throws<VfioUserProtocolException>(() => _server.Receive(out _, out _, out _, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Receive_PeerClosedBetweenMessages_Closed()
    {
        _client.Send(VfioUserHeader.ForCommand(1, VfioUserCommand.DeviceReset, 0), []);
        _client.Dispose();

        Assert.Equal(VfioUserReceiveStatus.Message, _server.Receive(out _, out _, out _, TestContext.Current.CancellationToken));
        Assert.Equal(VfioUserReceiveStatus.Closed, _server.Receive(out _, out _, out _, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Receive_PeerClosedMidMessage_ProtocolException()
    {
        Span<byte> partial = stackalloc byte[20];
        VfioUserHeader.ForCommand(1, VfioUserCommand.RegionRead, 16).Write(partial);
        _client.SendRaw(partial);
        _client.Dispose();

        Assert.Throws<VfioUserProtocolException>(() => _server.Receive(out _, out _, out _, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Receive_LargeMessage_WholePayloadAcrossPartialReads()
    {
        byte[] payload = new byte[VfioUserLimits.MaxDataTransfer];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i * 7);
        }

        var sender = new Thread(() => _client.Send(VfioUserHeader.ForCommand(9, VfioUserCommand.RegionWrite, payload.Length), payload));
        sender.Start();

        Assert.Equal(VfioUserReceiveStatus.Message, _server.Receive(out VfioUserFrame frame, out _, out _, TestContext.Current.CancellationToken));
        Assert.True(frame.Payload.SequenceEqual(payload));
        sender.Join();
    }

    [Fact]
    public void SendError_Request_HeaderOnlyReplyWithTheErrno()
    {
        VfioUserHeader request = VfioUserHeader.ForCommand(5, VfioUserCommand.DeviceGetIrqInfo, 16);

        _server.SendError(request, Errno.ENOTTY);

        Assert.Equal(VfioUserReceiveStatus.Message, _client.Receive(out VfioUserFrame reply, out _, out _, TestContext.Current.CancellationToken));
        Assert.Equal((5, VfioUserCommand.DeviceGetIrqInfo, 16u, Errno.ENOTTY), (reply.Header.MessageId, reply.Header.Command, reply.Header.MessageSize, VfioUserErrorReply.ErrnoOf(reply.Header)));
        Assert.Equal(0, reply.Payload.Length);
    }

    [Fact]
    public void SendError_NoReplyRequest_NothingSent()
    {
        VfioUserHeader request = VfioUserHeader.ForCommand(5, VfioUserCommand.DeviceReset, 0, noReply: true);

        _server.SendError(request, Errno.EINVAL);
        _server.Send(VfioUserHeader.ForReply(VfioUserHeader.ForCommand(6, VfioUserCommand.DeviceReset, 0), 0), []);

        Assert.Equal(VfioUserReceiveStatus.Message, _client.Receive(out VfioUserFrame reply, out _, out _, TestContext.Current.CancellationToken));
        Assert.Equal(6, reply.Header.MessageId);
    }

    [Fact]
    public void Send_HeaderSizeDisagreesWithPayload_Throws()
    {
        Assert.Throws<ArgumentException>(() => _client.Send(VfioUserHeader.ForCommand(1, VfioUserCommand.DeviceGetInfo, 16), new byte[4]));
    }

    [Fact]
    public void Dispose_WhileReceiving_ReceiveEnds()
    {
        Exception? thrown = null;
        var reader = new Thread(() =>
        {
            try
            {
                _server.Receive(out _, out _, out _);
            }
            catch (Exception e)
            {
                thrown = e;
            }
        });
        reader.Start();
        Thread.Sleep(50);

        _server.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)));
        Assert.IsType<ObjectDisposedException>(thrown);
    }
}
