using System.Buffers.Binary;
using System.Net.Sockets;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Server;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// A client that breaks the rules (vfio-user.md §1, §4, §7): every message gets the documented
/// failure reply or the connection is closed, nothing reaches the device, and the server goes on
/// serving — the same client when the stream is still in step, a new one otherwise.
/// </summary>
public sealed class VfioUserServerHostileInputTests
{
    [Theory]
    [InlineData(VfioUserCommand.DeviceGetInfo, 12)] // 16 bytes
    [InlineData(VfioUserCommand.DeviceGetInfo, 20)]
    [InlineData(VfioUserCommand.DeviceGetRegionInfo, 16)] // 32 bytes
    [InlineData(VfioUserCommand.DeviceGetRegionIoFds, 8)] // 16 bytes
    [InlineData(VfioUserCommand.DeviceGetIrqInfo, 15)] // 16 bytes
    [InlineData(VfioUserCommand.DeviceSetIrqs, 19)] // at least 20
    [InlineData(VfioUserCommand.RegionRead, 20)] // 16 bytes
    [InlineData(VfioUserCommand.RegionWrite, 15)] // at least 16
    [InlineData(VfioUserCommand.RegionWriteMulti, 7)] // at least 8
    [InlineData(VfioUserCommand.DmaMap, 31)] // 32 bytes
    [InlineData(VfioUserCommand.DmaUnmap, 25)] // 24 bytes
    [InlineData(VfioUserCommand.DeviceReset, 4)] // empty
    [InlineData(VfioUserCommand.DeviceFeature, 4)] // at least 8
    public void Command_WrongPayloadSize_EinvalAndTheSessionGoesOn(VfioUserCommand command, int size)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        byte[] payload = new byte[size];

        // argsz fields, where the payload has one, say the payload's own size.
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)Math.Min(size, 4) == 4 ? (uint)size : 0);
        using RawReply reply = client.Request(command, payload);

        Assert.Equal((Errno.EINVAL, 16u), (reply.Errno, reply.Header.MessageSize));
        AssertStillServing(client);
        Assert.Equal(0UL, harness.Device.Function.ReadBar(0, harness.ControlBlock.Offset + 0x18, 4)); // no reset slipped through
    }

    [Fact]
    public void RegionWrite_CountDisagreesWithTheData_Einval()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        byte[] payload = Payloads.RegionWrite(0x3C, VfioRegion.Config, [0x0B, 0x0C]);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(12), 4); // says 4, carries 2

        using RawReply reply = client.Request(VfioUserCommand.RegionWrite, payload);

        Assert.Equal(Errno.EINVAL, reply.Errno);
        byte[] line = new byte[1];
        harness.Device.Read(VfioRegion.Config, 0x3C, line);
        Assert.NotEqual(0x0B, line[0]);
    }

    [Theory]
    [InlineData(14)] // the unused number
    [InlineData(19)] // past the last
    [InlineData(0xFFFF)]
    public void Command_UnknownNumber_EinvalNamingItAndTheSessionGoesOn(int number)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        ushort id = client.Post((VfioUserCommand)number, new byte[8]);
        byte[] reply = client.ReceiveRaw(16);

        Assert.True(VfioUserHeader.TryRead(reply, out VfioUserHeader header));
        Assert.Equal((id, (VfioUserCommand)number, 16u, VfioUserMessageFlags.Reply | VfioUserMessageFlags.Error, 22u), (header.MessageId, header.Command, header.MessageSize, header.Flags, header.Error));
        AssertStillServing(client);
    }

    [Theory]
    [InlineData(VfioUserCommand.DeviceGetInfo, 1)]
    [InlineData(VfioUserCommand.RegionRead, 2)]
    [InlineData(VfioUserCommand.DmaMap, 2)] // takes one at most
    [InlineData(VfioUserCommand.DmaUnmap, 1)]
    public void Command_FdsItDoesNotTake_EinvalAndTheSessionGoesOn(VfioUserCommand command, int fdCount)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = ClientSteps.NewEventFds(fdCount);
        try
        {
            byte[] payload = command switch
            {
                VfioUserCommand.DeviceGetInfo => Payloads.DeviceInfo(),
                VfioUserCommand.RegionRead => Payloads.RegionRead(0, VfioRegion.Config, 4),
                VfioUserCommand.DmaMap => Payloads.DmaMap(VfioUserDmaMapFlags.Read, 0, 0x10000, 0x1000),
                _ => Payloads.DmaUnmap(VfioUserDmaUnmapFlags.All, 0, 0),
            };

            using RawReply reply = client.Request(command, payload, [.. eventFds.Select(e => e.Fd)]);

            Assert.Equal(Errno.EINVAL, reply.Errno);
            Assert.Empty(harness.Server.DmaWindows);
            AssertStillServing(client);
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Theory]
    [InlineData(0)] // a size beyond the 1 MiB + 32 bound
    [InlineData(1)] // a size below the header's own
    [InlineData(2)] // a message type that is neither command nor reply
    [InlineData(3)] // a reply nobody asked for (the twin socket carries DMA)
    [InlineData(4)] // a short header, then the end of the stream
    [InlineData(5)] // half a message, then the end of the stream
    public void Stream_CannotBeFramed_ClosedAndTheNextClientServed(int shape)
    {
        using var harness = new ServerHarness();
        using (RawClient client = harness.Negotiated())
        {
            byte[] message = new byte[shape == 5 ? 24 : 16];
            var header = shape switch
            {
                0 => new VfioUserHeader(9, VfioUserCommand.RegionWrite, VfioUserLimits.MaxMessageSize + 1u, VfioUserMessageFlags.Command, 0),
                1 => new VfioUserHeader(9, VfioUserCommand.DeviceReset, 8, VfioUserMessageFlags.Command, 0),
                2 => new VfioUserHeader(9, VfioUserCommand.DeviceReset, 16, (VfioUserMessageFlags)2, 0),
                3 => new VfioUserHeader(9, VfioUserCommand.DmaRead, 16, VfioUserMessageFlags.Reply, 0),
                _ => VfioUserHeader.ForCommand(9, VfioUserCommand.RegionRead, 16),
            };
            header.Write(message);
            client.Main.SendRaw(shape == 4 ? message.AsSpan(0, 10) : message);
            if (shape is 4 or 5)
            {
                client.Main.Socket.Shutdown(SocketShutdown.Send);
            }

            Assert.True(client.WaitClosed());
        }

        Assert.Equal(VfioUserDisconnectReason.ProtocolError, harness.WaitDisconnected().Reason);
        Assert.Equal(0UL, harness.Device.Function.ReadBar(0, harness.ControlBlock.Offset + 0x18, 4)); // no reset happened
        using RawClient next = harness.Negotiated();
        AssertStillServing(next);
    }

    [Fact]
    public void Stream_GarbageAfterAValidMessage_TheValidOneAnsweredThenClosed()
    {
        using var harness = new ServerHarness();
        using (RawClient client = harness.Negotiated())
        {
            byte[] valid = Payloads.DeviceInfo();
            byte[] stream = new byte[16 + valid.Length + 48];
            VfioUserHeader.ForCommand(5, VfioUserCommand.DeviceGetInfo, valid.Length).Write(stream);
            valid.CopyTo(stream, 16);
            new Random(11).NextBytes(stream.AsSpan(32));
            stream[32 + 4] = 0xF0; // the garbage's "size" is far beyond the bound
            stream[32 + 7] = 0xFF;

            client.Main.SendRaw(stream);

            using RawReply reply = client.ReceiveReply()!;
            Assert.Equal((5, Errno.None), (reply.Header.MessageId, reply.Errno));
            Assert.True(client.WaitClosed());
        }

        Assert.Equal(VfioUserDisconnectReason.ProtocolError, harness.WaitDisconnected().Reason);
        using RawClient next = harness.Negotiated();
        AssertStillServing(next);
    }

    [Fact]
    public void Stream_RandomMessagesAfterVersion_EachAnsweredOrTheConnectionClosedAndTheServerServesOn()
    {
        using var harness = new ServerHarness();
        var random = new Random(2024);
        for (int round = 0; round < 24; round++)
        {
            if (round > 0)
            {
                Assert.Equal(VfioUserDisconnectReason.Closed, harness.WaitDisconnected().Reason);
            }

            using RawClient client = harness.Negotiated();

            // A well-formed header for a known command around a random body: the frame is whole, the body is not.
            var command = (VfioUserCommand)random.Next(2, 19);
            byte[] body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            if (command is VfioUserCommand.DeviceReset or (VfioUserCommand)14 or VfioUserCommand.RegionWrite or VfioUserCommand.RegionWriteMulti or VfioUserCommand.DeviceSetIrqs)
            {
                // Keep clear of resets and random device writes: the test is about the parser.
                command = VfioUserCommand.DeviceGetIrqInfo;
            }

            ushort id = client.Post(command, body);
            using RawReply? reply = client.ReceiveReply();

            Assert.NotNull(reply);
            Assert.Equal((id, command), (reply.Header.MessageId, reply.Header.Command));
            AssertStillServing(client);
        }

        Assert.Equal(24, harness.Server.ClientsServed);
    }

    private static void AssertStillServing(RawClient client)
    {
        using RawReply reply = client.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());
        Assert.Equal("10000000" + "03000000" + "09000000" + "05000000", reply.Hex);
    }
}
