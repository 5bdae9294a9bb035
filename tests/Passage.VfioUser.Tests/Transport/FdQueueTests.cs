using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

public sealed class FdQueueTests
{
    [Fact]
    public void Take_MessageFillingTheRead_GetsItsFds()
    {
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(2);
        queue.Add(0, 16, fds);

        FileDescriptorHandle[] taken = queue.Take(0, 16);

        Assert.Equal(fds, taken);
        Assert.All(taken, fd => Assert.False(fd.IsClosed));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Take_EarlierMessageInTheSameRead_GetsNothingAndTheLastOneGetsTheFds()
    {
        // One read returned a message without fds and the start of the next, which carried the fd.
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(1);
        queue.Add(0, 24, fds);

        FileDescriptorHandle[] first = queue.Take(0, 8);
        int heldBetween = queue.Count;
        FileDescriptorHandle[] second = queue.Take(8, 16);

        Assert.Empty(first);
        Assert.Equal(1, heldBetween);
        Assert.False(fds[0].IsClosed);
        Assert.Same(fds[0], Assert.Single(second));
    }

    [Fact]
    public void Take_MessageRunningPastItsRead_StillGetsTheFds()
    {
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(3);
        queue.Add(0, 10, fds);
        queue.Add(10, 50, []);
        queue.Add(60, 40, []);

        Assert.Equal(fds, queue.Take(0, 100));
    }

    [Fact]
    public void Take_MessageStartingInTheMiddleOfARead_GetsItsFds()
    {
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(1);
        queue.Add(0, 5, []);
        queue.Add(5, 30, fds); // the tail of message 1 and all of message 2

        Assert.Empty(queue.Take(0, 20));
        Assert.Same(fds[0], Assert.Single(queue.Take(20, 15)));
    }

    [Fact]
    public void Take_FdsThatArrivedInsideAMessage_ClosedOnceItIsTaken()
    {
        // A peer that attached fds to the middle of a message: no message can own them.
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(2);
        queue.Add(0, 10, []);
        queue.Add(10, 10, fds);

        FileDescriptorHandle[] taken = queue.Take(0, 20);

        Assert.Empty(taken);
        Assert.All(fds, fd => Assert.True(fd.IsClosed));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Take_FdsOfALaterMessage_KeptUntilThatMessage()
    {
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(1);
        queue.Add(0, 8, []);
        queue.Add(8, 8, fds);

        Assert.Empty(queue.Take(0, 8));
        Assert.False(fds[0].IsClosed);
        Assert.Equal(1, queue.Count);
        Assert.Same(fds[0], Assert.Single(queue.Take(8, 8)));
    }

    [Fact]
    public void Take_BeforeTheEndOfTheLastTakenMessage_Refused()
    {
        using var queue = new FdQueue();
        queue.Add(0, 32, []);
        queue.Take(0, 16);

        Assert.Throws<ArgumentException>(() => queue.Take(8, 8));
    }

    [Fact]
    public void Add_ReadOverlappingAnEarlierOne_RefusedAndItsFdsClosed()
    {
        using var queue = new FdQueue();
        queue.Add(0, 16, []);
        FileDescriptorHandle[] fds = Handles(2);

        Assert.Throws<ArgumentException>(() => queue.Add(8, 16, fds));

        Assert.All(fds, fd => Assert.True(fd.IsClosed));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Add_FdsWithAnEmptyRead_RefusedAndClosed()
    {
        using var queue = new FdQueue();
        FileDescriptorHandle[] fds = Handles(1);

        Assert.Throws<ArgumentException>(() => queue.Add(0, 0, fds));

        Assert.True(fds[0].IsClosed);
    }

    [Fact]
    public void Dispose_ClosesEveryHeldFd()
    {
        var queue = new FdQueue();
        FileDescriptorHandle[] first = Handles(2);
        FileDescriptorHandle[] second = Handles(1);
        queue.Add(0, 4, first);
        queue.Add(4, 4, second);
        Assert.Equal(3, queue.Count);

        queue.Dispose();

        Assert.All(first.Concat(second), fd => Assert.True(fd.IsClosed));
        Assert.Equal(0, queue.Count);
        Assert.Throws<ObjectDisposedException>(() => queue.Take(0, 4));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Take_ReadsSplitTheWayTheKernelSplitsThem_EveryMessageGetsExactlyItsFds(int seed)
    {
        // Random messages, some with fds, read the way unix_stream_read_generic reads: up to the
        // buffer size across sends, stopping right after the send whose fds it returns.
        var random = new Random(seed);
        var messages = new List<(int Length, FileDescriptorHandle[] Fds)>();
        for (int i = 0; i < 200; i++)
        {
            int fdCount = random.Next(3) == 0 ? random.Next(1, 4) : 0;
            messages.Add((random.Next(1, 300), Handles(fdCount)));
        }

        using var queue = new FdQueue();
        long offset = 0;
        int index = 0;
        int consumedOfMessage = 0;
        while (index < messages.Count)
        {
            int room = random.Next(1, 700);
            long readStart = offset;
            FileDescriptorHandle[] delivered = [];
            while (room > 0 && index < messages.Count)
            {
                (int length, FileDescriptorHandle[] fds) = messages[index];
                if (consumedOfMessage == 0 && fds.Length > 0)
                {
                    delivered = fds;
                }

                int chunk = Math.Min(room, length - consumedOfMessage);
                room -= chunk;
                offset += chunk;
                consumedOfMessage += chunk;
                if (consumedOfMessage == length)
                {
                    index++;
                    consumedOfMessage = 0;
                }

                if (delivered.Length > 0)
                {
                    break;
                }
            }

            queue.Add(readStart, (int)(offset - readStart), delivered);
        }

        long start = 0;
        foreach ((int length, FileDescriptorHandle[] fds) in messages)
        {
            Assert.Equal(fds, queue.Take(start, length));
            start += length;
        }

        Assert.Equal(0, queue.Count);
        Assert.All(messages.SelectMany(m => m.Fds), fd => Assert.False(fd.IsClosed));
    }

    /// <summary>Handles that own nothing: disposing them marks them closed without closing a real descriptor.</summary>
    private static FileDescriptorHandle[] Handles(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new FileDescriptorHandle(1_000_000 + i, ownsHandle: false))];
}
