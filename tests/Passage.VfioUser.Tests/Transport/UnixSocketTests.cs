using System.Net.Sockets;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

public sealed class UnixSocketTests
{
    [Fact]
    public void Send_OverPair_BytesArriveUnchangedBothWays()
    {
        using var pair = new SocketPair();
        byte[] there = TestMessages.Build(1000, sender: 1, sequence: 1);
        byte[] back = TestMessages.Build(333, sender: 2, sequence: 9);

        pair.A.Send(there);
        byte[] arrived = SocketPair.ReceiveExactly(pair.B, there.Length);
        pair.B.Send(back);
        byte[] returned = SocketPair.ReceiveExactly(pair.A, back.Length);

        Assert.Equal(there, arrived);
        Assert.Equal(back, returned);
    }

    [Fact]
    public void Send_EmptyMessageWithoutFds_SendsNothing()
    {
        using var pair = new SocketPair();

        pair.A.Send(ReadOnlySpan<byte>.Empty);
        pair.A.Send("z"u8);
        byte[] buffer = new byte[16];
        int n = pair.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);

        Assert.Equal(1, n);
        Assert.Equal((byte)'z', buffer[0]);
        Assert.Empty(fds);
    }

    [Fact]
    public void Send_EventFd_ReceiverHoldsTheSameKernelObject()
    {
        using var pair = new SocketPair();
        using EventFd original = EventFd.Create();

        pair.A.Send("irq"u8, [original.Fd]);
        byte[] buffer = new byte[16];
        int n = pair.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);

        Assert.Equal(3, n);
        Assert.Equal("irq"u8.ToArray(), buffer[..3]);
        FileDescriptorHandle received = Assert.Single(fds);
        using (received)
        {
            // A new descriptor in this process, close-on-exec (MSG_CMSG_CLOEXEC), for the same counter.
            Assert.NotEqual(original.Fd, received.Fd);
            Assert.True(OpenDescriptors.IsCloseOnExec(received.Fd));
            EventFdIdentity.AssertSameObject(original, received, marker: 0x1234);

            // And the other way: the sender signals, the receiver's descriptor sees it.
            original.Signal(7);
            using EventFd copy = EventFd.FromDuplicate(received.Fd);
            Assert.True(copy.TryRead(out ulong value));
            Assert.Equal(7ul, value);
        }
    }

    [Fact]
    public void Send_EightFds_AllArriveInOrderWithTheirMessage()
    {
        using var pair = new SocketPair();
        EventFd[] originals = [.. Enumerable.Range(0, 8).Select(_ => EventFd.Create())];
        try
        {
            pair.A.Send("eight"u8, [.. originals.Select(e => e.Fd)]);
            byte[] buffer = new byte[16];
            int n = pair.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);

            Assert.Equal(5, n);
            Assert.Equal(8, fds.Length);
            for (int i = 0; i < fds.Length; i++)
            {
                using FileDescriptorHandle fd = fds[i];
                EventFdIdentity.AssertSameObject(originals[i], fd, marker: 100ul + (ulong)i);
            }
        }
        finally
        {
            foreach (EventFd e in originals)
            {
                e.Dispose();
            }
        }
    }

    [Fact]
    public void Send_NineFds_RefusedBeforeAnythingIsSent()
    {
        using var pair = new SocketPair();
        EventFd[] originals = [.. Enumerable.Range(0, 9).Select(_ => EventFd.Create())];
        try
        {
            int[] numbers = [.. originals.Select(e => e.Fd)];

            Assert.Throws<ArgumentException>(() => pair.A.Send("nine"u8, numbers));

            // Nothing of the refused message is on the stream: the next bytes are the marker's.
            pair.A.Send("ok"u8);
            byte[] buffer = new byte[16];
            int n = pair.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);
            Assert.Equal(2, n);
            Assert.Equal("ok"u8.ToArray(), buffer[..2]);
            Assert.Empty(fds);
        }
        finally
        {
            foreach (EventFd e in originals)
            {
                e.Dispose();
            }
        }
    }

    [Fact]
    public void Send_MoreFdsThanALoweredMaximum_RefusedWhileTheMaximumStillPasses()
    {
        using var pair = new SocketPair();
        using EventFd first = EventFd.Create();
        using EventFd second = EventFd.Create();
        using EventFd third = EventFd.Create();
        pair.A.MaxSendFds = 2;

        Assert.Throws<ArgumentException>(() => pair.A.Send("x"u8, [first.Fd, second.Fd, third.Fd]));
        pair.A.Send("y"u8, [first.Fd, second.Fd]);
        byte[] buffer = new byte[4];
        int n = pair.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);

        Assert.Equal(1, n);
        Assert.Equal((byte)'y', buffer[0]);
        Assert.Equal(2, fds.Length);
        using (fds[0])
        using (fds[1])
        {
            EventFdIdentity.AssertSameObject(first, fds[0], marker: 1);
            EventFdIdentity.AssertSameObject(second, fds[1], marker: 2);
        }
    }

    [Theory]
    [InlineData(-1)] // negative
    [InlineData(1025)] // above vfio-user's max_msg_fds bound
    public void MaxSendFds_OutOfRange_Refused(int value)
    {
        using var pair = new SocketPair();

        Assert.Throws<ArgumentOutOfRangeException>(() => pair.A.MaxSendFds = value);
        Assert.Equal(UnixSocketOptions.DefaultMaxFds, pair.A.MaxSendFds);
    }

    [Theory]
    [InlineData(-1)] // negative
    [InlineData(1025)] // above vfio-user's max_msg_fds bound
    public void Options_MaxReceiveFdsOutOfRange_Refused(int value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UnixSocketOptions { MaxReceiveFds = value });

    [Fact]
    public void Options_Defaults_AreEightEachWay()
    {
        using var pair = new SocketPair();

        Assert.Equal(8, pair.A.MaxReceiveFds);
        Assert.Equal(8, pair.A.MaxSendFds);
    }

    [Fact]
    public void Send_FdsWithAnEmptyMessage_Refused()
    {
        using var pair = new SocketPair();
        using EventFd eventFd = EventFd.Create();

        Assert.Throws<ArgumentException>(() => pair.A.Send(ReadOnlySpan<byte>.Empty, [eventFd.Fd]));
    }

    [Fact]
    public void Send_NegativeFd_Refused()
    {
        using var pair = new SocketPair();

        Assert.Throws<ArgumentException>(() => pair.A.Send("x"u8, [-1]));
    }

    [Fact]
    public void Send_ClosedHandle_RefusedAndNothingSent()
    {
        using var pair = new SocketPair();
        using UnixSocket local = UnixSocket.Pair(out FileDescriptorHandle other);
        other.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pair.A.Send("x"u8, [other]));

        pair.A.Send("y"u8);
        byte[] buffer = new byte[4];
        Assert.Equal(1, pair.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken));
        Assert.Equal((byte)'y', buffer[0]);
        Assert.Empty(fds);
    }

    [Fact]
    public void Send_AfterPeerClosed_ThrowsEpipe()
    {
        using var pair = new SocketPair();
        pair.B.Dispose();

        var e = Assert.Throws<TransportException>(() => pair.A.Send("late"u8));

        Assert.Equal((Errno)32, e.Errno);
    }

    [Fact]
    public void Receive_PeerDisposed_ReturnsZero()
    {
        using var pair = new SocketPair();
        pair.A.Send("last"u8);
        pair.A.Dispose();

        byte[] last = SocketPair.ReceiveExactly(pair.B, 4);
        int n = pair.B.Receive(new byte[16], out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);

        Assert.Equal("last"u8.ToArray(), last);
        Assert.Equal(0, n);
        Assert.Empty(fds);
    }

    [Fact]
    public void Shutdown_Send_PeerSeesEndOfStreamAndCanStillReply()
    {
        using var pair = new SocketPair();

        pair.A.Shutdown(SocketShutdown.Send);
        int end = pair.B.Receive(new byte[16], out _, TestContext.Current.CancellationToken);
        pair.B.Send("reply"u8);
        byte[] reply = SocketPair.ReceiveExactly(pair.A, 5);

        Assert.Equal(0, end);
        Assert.Equal("reply"u8.ToArray(), reply);
    }

    [Fact]
    public void Receive_EmptyBuffer_Refused()
    {
        using var pair = new SocketPair();

        Assert.Throws<ArgumentException>(() => pair.B.Receive(Span<byte>.Empty, out _, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Receive_AfterDispose_ThrowsObjectDisposed()
    {
        var pair = new SocketPair();
        pair.Dispose();

        Assert.Throws<ObjectDisposedException>(() => pair.B.Receive(new byte[4], out _, TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => pair.A.Send("x"u8));
    }

    [Fact]
    public async Task Receive_DisposedWhileWaiting_ThrowsObjectDisposed()
    {
        var pair = new SocketPair();
        try
        {
            using var started = new ManualResetEventSlim();
            Task<int> receive = SocketPair.OnOwnThread(() =>
            {
                started.Set();
                return pair.B.Receive(new byte[16], out _, TestContext.Current.CancellationToken);
            });
            Assert.True(started.Wait(SocketPair.Generous, TestContext.Current.CancellationToken));

            // Nothing to read, so the receive is (or is about to be) waiting; either way Dispose ends it.
            Thread.Sleep(100);
            pair.B.Dispose();

            await Assert.ThrowsAsync<ObjectDisposedException>(
                () => receive.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        }
        finally
        {
            pair.Dispose();
        }
    }

    [Fact]
    public async Task Receive_CancelledWhileWaiting_ThrowsAndTheStreamStaysUsable()
    {
        using var pair = new SocketPair();
        using var cancellation = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        Task<int> receive = SocketPair.OnOwnThread(() =>
        {
            started.Set();
            return pair.B.Receive(new byte[16], out _, cancellation.Token);
        });
        Assert.True(started.Wait(SocketPair.Generous, TestContext.Current.CancellationToken));
        Thread.Sleep(100);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => receive.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        pair.A.Send("after"u8);
        Assert.Equal("after"u8.ToArray(), SocketPair.ReceiveExactly(pair.B, 5));
    }

    [Fact]
    public void Receive_AlreadyCancelled_ThrowsWithoutConsumingBytes()
    {
        using var pair = new SocketPair();
        pair.A.Send("kept"u8);

        Assert.ThrowsAny<OperationCanceledException>(() => pair.B.Receive(new byte[16], out _, new CancellationToken(canceled: true)));

        Assert.Equal("kept"u8.ToArray(), SocketPair.ReceiveExactly(pair.B, 4));
    }

    [Fact]
    public async Task Receive_WhileAnotherReceiveWaits_Refused()
    {
        var pair = new SocketPair();
        try
        {
            using var started = new ManualResetEventSlim();
            Task<int> first = SocketPair.OnOwnThread(() =>
            {
                started.Set();
                return pair.B.Receive(new byte[16], out _, TestContext.Current.CancellationToken);
            });
            Assert.True(started.Wait(SocketPair.Generous, TestContext.Current.CancellationToken));
            Thread.Sleep(100);

            Assert.Throws<InvalidOperationException>(() => pair.B.Receive(new byte[16], out _, TestContext.Current.CancellationToken));

            pair.A.Send("1"u8);
            Assert.Equal(1, await first.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        }
        finally
        {
            pair.Dispose();
        }
    }

    [Fact]
    public async Task Send_BlockedOnAFullBuffer_DisposeUnblocksIt()
    {
        var pair = new SocketPair();
        try
        {
            // Far more than the socket buffers hold while nobody reads.
            byte[] large = new byte[8 * 1024 * 1024];
            Task<bool> send = SocketPair.OnOwnThread(() =>
            {
                pair.A.Send(large);
                return true;
            });
            Thread.Sleep(200);
            Assert.False(send.IsCompleted);

            pair.A.Dispose();

            await Assert.ThrowsAsync<ObjectDisposedException>(
                () => send.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        }
        finally
        {
            pair.Dispose();
        }
    }

    [Fact]
    public void Receive_PlainBytesThenAnFdMessage_OneReadReturnsBothWithTheFds()
    {
        // The kernel fact FdQueue relies on: a read may run from bytes without fds into the send
        // that carries fds, and then stops; the fds belong to the send that started last.
        using var pair = new SocketPair();
        using EventFd eventFd = EventFd.Create();
        pair.A.Send("AAAA"u8);
        pair.A.Send("BBBB"u8, [eventFd.Fd]);
        pair.A.Send("CCCC"u8);

        byte[] buffer = new byte[64];
        int first = pair.B.Receive(buffer, out FileDescriptorHandle[] firstFds, TestContext.Current.CancellationToken);
        int second = pair.B.Receive(buffer.AsSpan(first), out FileDescriptorHandle[] secondFds, TestContext.Current.CancellationToken);

        Assert.Equal(8, first);
        Assert.Equal("AAAABBBB"u8.ToArray(), buffer[..8]);
        using FileDescriptorHandle fd = Assert.Single(firstFds);
        EventFdIdentity.AssertSameObject(eventFd, fd, marker: 3);
        Assert.Equal(4, second);
        Assert.Equal("CCCC"u8.ToArray(), buffer[8..12]);
        Assert.Empty(secondFds);
    }

    [Fact]
    public void Receive_TwoFdMessages_NeverShareARead()
    {
        using var pair = new SocketPair();
        using EventFd one = EventFd.Create();
        using EventFd two = EventFd.Create();
        pair.A.Send("11"u8, [one.Fd]);
        pair.A.Send("22"u8, [two.Fd]);

        byte[] buffer = new byte[64];
        int first = pair.B.Receive(buffer, out FileDescriptorHandle[] firstFds, TestContext.Current.CancellationToken);
        int second = pair.B.Receive(buffer.AsSpan(first), out FileDescriptorHandle[] secondFds, TestContext.Current.CancellationToken);

        Assert.Equal(2, first);
        Assert.Equal(2, second);
        Assert.Equal("1122"u8.ToArray(), buffer[..4]);
        using FileDescriptorHandle firstFd = Assert.Single(firstFds);
        using FileDescriptorHandle secondFd = Assert.Single(secondFds);
        EventFdIdentity.AssertSameObject(one, firstFd, marker: 11);
        EventFdIdentity.AssertSameObject(two, secondFd, marker: 22);
    }

    [Fact]
    public async Task Send_LargeMessageWithFds_FdsTravelOnceOnTheFirstPiece()
    {
        using var pair = new SocketPair();
        using EventFd eventFd = EventFd.Create();
        byte[] large = TestMessages.Build(1024 * 1024, sender: 3, sequence: 0);
        Task<bool> sender = SocketPair.OnOwnThread(() =>
        {
            pair.A.Send(large, [eventFd.Fd]);
            return true;
        });

        // Read in 64 KiB pieces: the stream gets there in many reads, the fd with the first only.
        byte[] received = new byte[large.Length];
        var fdOffsets = new List<int>();
        var fds = new List<FileDescriptorHandle>();
        int total = 0;
        while (total < large.Length)
        {
            int n = pair.B.Receive(received.AsSpan(total, Math.Min(64 * 1024, large.Length - total)), out FileDescriptorHandle[] arrived, TestContext.Current.CancellationToken);
            Assert.NotEqual(0, n);
            fdOffsets.AddRange(arrived.Select(_ => total));
            fds.AddRange(arrived);
            total += n;
        }

        Assert.True(await sender.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        Assert.Equal(large, received);
        Assert.Equal([0], fdOffsets);
        using FileDescriptorHandle fd = Assert.Single(fds);
        EventFdIdentity.AssertSameObject(eventFd, fd, marker: 9);
    }

    [Fact]
    public void Pair_OtherEndSentAsFd_WorksAsATwinSocketBothWays()
    {
        using var main = new SocketPair();
        using UnixSocket serverTwin = UnixSocket.Pair(out FileDescriptorHandle otherEnd);
        Assert.True(OpenDescriptors.IsCloseOnExec(otherEnd.Fd));

        // The server sends the other end with its reply, then closes its own copy of it.
        main.A.Send("version"u8, [otherEnd]);
        otherEnd.Dispose();
        byte[] buffer = new byte[16];
        int n = main.B.Receive(buffer, out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);
        using UnixSocket clientTwin = UnixSocket.FromDescriptor(Assert.Single(fds));

        serverTwin.Send("dma-read"u8);
        byte[] request = SocketPair.ReceiveExactly(clientTwin, 8);
        clientTwin.Send("reply"u8);
        byte[] reply = SocketPair.ReceiveExactly(serverTwin, 5);

        Assert.Equal(7, n);
        Assert.Equal("dma-read"u8.ToArray(), request);
        Assert.Equal("reply"u8.ToArray(), reply);
    }

    [Fact]
    public void FromDescriptor_AnEventFd_RefusedAndTheCallerKeepsIt()
    {
        using var pair = new SocketPair();
        using EventFd eventFd = EventFd.Create();
        pair.A.Send("e"u8, [eventFd.Fd]);
        pair.B.Receive(new byte[4], out FileDescriptorHandle[] fds, TestContext.Current.CancellationToken);
        using FileDescriptorHandle received = Assert.Single(fds);

        Assert.Throws<ArgumentException>(() => UnixSocket.FromDescriptor(received));

        Assert.False(received.IsClosed);
        EventFdIdentity.AssertSameObject(eventFd, received, marker: 5);
    }

    [Fact]
    public void FromDescriptor_ADatagramSocket_Refused()
    {
        using var datagram = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        using var handle = new FileDescriptorHandle((int)datagram.Handle, ownsHandle: false);

        Assert.Throws<ArgumentException>(() => UnixSocket.FromDescriptor(handle));
    }

    [Fact]
    public void FromDescriptor_AClosedHandle_Refused()
    {
        using UnixSocket local = UnixSocket.Pair(out FileDescriptorHandle other);
        other.Dispose();

        Assert.Throws<ArgumentException>(() => UnixSocket.FromDescriptor(other));
    }

    [Fact]
    public async Task Send_ManyConcurrentSenders_MessagesNeverInterleave()
    {
        const int Senders = 8;
        const int MessagesEach = 60;
        using var pair = new SocketPair();
        Task<List<(int Sender, int Sequence)>> reader = SocketPair.OnOwnThread(() =>
        {
            var seen = new List<(int, int)>();
            using var buffer = new ReceiveBuffer();
            while (seen.Count < Senders * MessagesEach)
            {
                int length = TestMessages.LengthOf(buffer.Pending);
                if (length > 0 && buffer.Pending.Length >= length)
                {
                    seen.Add(TestMessages.Verify(buffer.Pending[..length]));
                    Assert.Empty(buffer.Consume(length));
                    continue;
                }

                Assert.NotEqual(0, buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken));
            }

            return seen;
        });

        // Sizes from 12 bytes to 96 KiB, so large sends go out in several pieces while others wait.
        Task<bool>[] senders = [.. Enumerable.Range(0, Senders).Select(sender => SocketPair.OnOwnThread(() =>
        {
            var random = new Random(sender);
            for (int sequence = 0; sequence < MessagesEach; sequence++)
            {
                int length = random.Next(2) == 0 ? random.Next(12, 256) : random.Next(12, 96 * 1024);
                pair.A.Send(TestMessages.Build(length, sender, sequence));
            }

            return true;
        }))];

        // The reader's verdict first: if bytes interleaved, it fails and the senders stop at Dispose.
        List<(int Sender, int Sequence)> messages = await reader.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken);
        Assert.All(await Task.WhenAll(senders).WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken), Assert.True);
        Assert.Equal(Senders * MessagesEach, messages.Count);
        for (int sender = 0; sender < Senders; sender++)
        {
            // Each sender's messages arrive whole and in its own order.
            Assert.Equal(Enumerable.Range(0, MessagesEach), messages.Where(m => m.Sender == sender).Select(m => m.Sequence));
        }
    }
}
