using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

public sealed class ReceiveBufferTests
{
    [Fact]
    public void ReceiveFrom_PipelinedMessagesWithFds_EachMessageGetsItsOwnBatch()
    {
        using var pair = new SocketPair();
        EventFd[] eventFds = [.. Enumerable.Range(0, 4).Select(_ => EventFd.Create())];
        try
        {
            // Five messages sent back to back before anything is read; 1, 3 and 5 carry fds.
            (int Length, EventFd[] Fds)[] plan =
            [
                (40, [eventFds[0]]),
                (24, []),
                (64, [eventFds[1], eventFds[2]]),
                (16, []),
                (32, [eventFds[3]]),
            ];
            for (int i = 0; i < plan.Length; i++)
            {
                pair.A.Send(TestMessages.Build(plan[i].Length, sender: 0, sequence: i), [.. plan[i].Fds.Select(e => e.Fd)]);
            }

            using var buffer = new ReceiveBuffer();
            for (int i = 0; i < plan.Length; i++)
            {
                while (TestMessages.LengthOf(buffer.Pending) is var length && (length < 0 || buffer.Pending.Length < length))
                {
                    Assert.NotEqual(0, buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken));
                }

                int messageLength = TestMessages.LengthOf(buffer.Pending);
                Assert.Equal((0, i), TestMessages.Verify(buffer.Pending[..messageLength]));
                FileDescriptorHandle[] fds = buffer.Consume(messageLength);
                Assert.Equal(plan[i].Fds.Length, fds.Length);
                for (int j = 0; j < fds.Length; j++)
                {
                    using FileDescriptorHandle fd = fds[j];
                    EventFdIdentity.AssertSameObject(plan[i].Fds[j], fd, marker: (ulong)((i * 10) + j + 1));
                }
            }

            Assert.Equal(0, buffer.PendingFds);
            Assert.Equal(176, buffer.Position);
        }
        finally
        {
            foreach (EventFd e in eventFds)
            {
                e.Dispose();
            }
        }
    }

    [Fact]
    public async Task ReceiveFrom_OneMiBMessageWithFds_FdsStayWithItAcrossPartialReads()
    {
        using var pair = new SocketPair();
        using EventFd first = EventFd.Create();
        using EventFd second = EventFd.Create();
        using EventFd third = EventFd.Create();
        byte[] large = TestMessages.Build(1024 * 1024, sender: 1, sequence: 0);
        byte[] small = TestMessages.Build(100, sender: 1, sequence: 1);

        // The send waits for the reader: the message is several times the socket buffer.
        Task<bool> sender = SocketPair.OnOwnThread(() =>
        {
            pair.A.Send(large, [first.Fd, second.Fd]);
            pair.A.Send(small, [third.Fd]);
            return true;
        });

        using var buffer = new ReceiveBuffer(initialCapacity: 4096);
        int reads = 0;
        while (buffer.Pending.Length < large.Length)
        {
            Assert.NotEqual(0, buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken));
            reads++;
        }

        Assert.True(reads > 1, "the large message should have arrived in several reads");
        Assert.Equal(large, buffer.Pending[..large.Length].ToArray());
        FileDescriptorHandle[] largeFds = buffer.Consume(large.Length);
        while (buffer.Pending.Length < small.Length)
        {
            Assert.NotEqual(0, buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken));
        }

        Assert.Equal(small, buffer.Pending.ToArray());
        FileDescriptorHandle[] smallFds = buffer.Consume(small.Length);
        Assert.True(await sender.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        Assert.Equal(2, largeFds.Length);
        using (largeFds[0])
        using (largeFds[1])
        using (FileDescriptorHandle smallFd = Assert.Single(smallFds))
        {
            EventFdIdentity.AssertSameObject(first, largeFds[0], marker: 1);
            EventFdIdentity.AssertSameObject(second, largeFds[1], marker: 2);
            EventFdIdentity.AssertSameObject(third, smallFd, marker: 3);
        }
    }

    [Fact]
    public void ReceiveFrom_PeerClosed_ReturnsZeroAndKeepsWhatArrived()
    {
        using var pair = new SocketPair();
        pair.A.Send("partial"u8);
        pair.A.Dispose();
        using var buffer = new ReceiveBuffer();

        int first = buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken);
        int second = buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken);

        Assert.Equal(7, first);
        Assert.Equal(0, second);
        Assert.Equal("partial"u8.ToArray(), buffer.Pending.ToArray());
    }

    [Fact]
    public void ReceiveFrom_FullAtItsBound_Throws()
    {
        using var pair = new SocketPair();
        pair.A.Send(new byte[32]);
        using var buffer = new ReceiveBuffer(initialCapacity: 8, maxCapacity: 16);

        while (buffer.Pending.Length < 16)
        {
            buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken);
        }

        Assert.Throws<InvalidOperationException>(() => buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken));
        Assert.Equal(16, buffer.Pending.Length);
    }

    [Fact]
    public void Append_ThenConsume_TracksPositionBytesAndFds()
    {
        using var buffer = new ReceiveBuffer(initialCapacity: 16);
        FileDescriptorHandle fd = new(1_000_000, ownsHandle: false);

        // The fds came with the read of the first 8 bytes, which hold one whole message.
        buffer.Append([1, 2, 3, 4, 5, 6, 7, 8], [fd]);
        buffer.Append([9, 10], []);
        FileDescriptorHandle[] first = buffer.Consume(8);
        long afterFirst = buffer.Position;
        buffer.Append([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22], []);

        Assert.Same(fd, Assert.Single(first));
        Assert.Equal(8, afterFirst);
        Assert.Equal(new byte[] { 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22 }, buffer.Pending.ToArray());

        // Past the initial capacity: the buffer grows and keeps every byte.
        byte[] more = [.. Enumerable.Range(23, 40).Select(i => (byte)i)];
        buffer.Append(more, []);
        Assert.Equal([.. Enumerable.Range(9, 54).Select(i => (byte)i)], buffer.Pending.ToArray());
        Assert.Empty(buffer.Consume(54));
        Assert.Equal(62, buffer.Position);
        Assert.Equal(0, buffer.Pending.Length);
    }

    [Fact]
    public void Append_BeyondTheBound_ThrowsAndClosesTheFds()
    {
        using var buffer = new ReceiveBuffer(initialCapacity: 8, maxCapacity: 8);
        FileDescriptorHandle fd = new(1_000_000, ownsHandle: false);

        Assert.Throws<InvalidOperationException>(() => buffer.Append(new byte[9], [fd]));

        Assert.True(fd.IsClosed);
        Assert.Equal(0, buffer.Pending.Length);
    }

    [Fact]
    public void Consume_MoreThanPending_Refused()
    {
        using var buffer = new ReceiveBuffer();
        buffer.Append([1, 2, 3], []);

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Consume(4));
        Assert.Equal(3, buffer.Pending.Length);
    }

    [Fact]
    public void Dispose_ClosesFdsNobodyClaimed()
    {
        var buffer = new ReceiveBuffer();
        FileDescriptorHandle fd = new(1_000_000, ownsHandle: false);
        buffer.Append([1, 2, 3, 4], [fd]);

        buffer.Dispose();

        Assert.True(fd.IsClosed);
    }
}
