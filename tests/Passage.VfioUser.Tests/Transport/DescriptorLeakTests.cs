using System.Globalization;
using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

/// <summary>Paths that close descriptors on the caller's behalf, checked against this process's descriptor count.</summary>
[Collection(typeof(DescriptorCountCollection))]
public sealed class DescriptorLeakTests
{
    [Theory]
    [InlineData(1, 3)] // the kernel truncates the fds: MSG_CTRUNC
    [InlineData(1, 2)] // the control buffer's padding fits a second fd: caught by the count
    [InlineData(0, 1)] // no room for any fd
    public void Receive_MoreFdsThanTheMaximum_ProtocolErrorAndEveryArrivedFdClosed(int maxReceiveFds, int sent)
    {
        WarmUp();
        EventFd[] originals = [.. Enumerable.Range(0, sent).Select(_ => EventFd.Create())];
        try
        {
            using var pair = new SocketPair(new UnixSocketOptions { MaxReceiveFds = maxReceiveFds });
            pair.A.Send("too many"u8, [.. originals.Select(e => e.Fd)]);
            int before = OpenDescriptors.Count();

            var e = Assert.Throws<TransportProtocolException>(() => pair.B.Receive(new byte[64], out _, TestContext.Current.CancellationToken));

            Assert.Equal(before, OpenDescriptors.Count());
            Assert.Equal(71, (int)e.Errno); // EPROTO
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
    public void EverySocketAndFd_OverAListener_ClosedAfterDispose()
    {
        WarmUp();
        using var directory = new TempSocketDirectory();
        int before = OpenDescriptors.Count();
        HashSet<string> beforeSet = Snapshot();
        List<string> created;

        using (var listener = UnixListener.Bind(directory.Path("s")))
        using (UnixSocket client = UnixSocket.Connect(listener.Path))
        using (UnixSocket server = listener.Accept(TestContext.Current.CancellationToken))
        using (EventFd eventFd = EventFd.Create())
        {
            client.Send("fd"u8, [eventFd.Fd]);
            byte[] received = SocketPair.ReceiveExactly(server, 2, fds: null);
            Assert.Equal("fd"u8.ToArray(), received);
            created = [.. Snapshot().Except(beforeSet)];

            // The listener, both connections and everything they opened are close-on-exec.
            Assert.True(created.Count(fd => OpenDescriptors.Target(int.Parse(fd, CultureInfo.InvariantCulture)).StartsWith("socket:", StringComparison.Ordinal)) >= 3);
            Assert.All(created, fd => Assert.True(OpenDescriptors.IsCloseOnExec(int.Parse(fd, CultureInfo.InvariantCulture)), $"fd {fd} is inheritable"));
        }

        Assert.Equal(before, OpenDescriptors.Count());
    }

    [Fact]
    public void ReceiveBuffer_UnclaimedAndHeldFds_ClosedByConsumeAndDispose()
    {
        WarmUp();
        using EventFd eventFd = EventFd.Create();
        using var pair = new SocketPair();
        int before = OpenDescriptors.Count();

        using (var buffer = new ReceiveBuffer())
        {
            // Three messages of 16 bytes, each with an fd.
            pair.A.Send(TestMessages.Build(16, 0, 1), [eventFd.Fd]);
            pair.A.Send(TestMessages.Build(16, 0, 2), [eventFd.Fd]);
            pair.A.Send(TestMessages.Build(16, 0, 3), [eventFd.Fd]);
            while (buffer.Pending.Length < 48)
            {
                Assert.NotEqual(0, buffer.ReceiveFrom(pair.B, TestContext.Current.CancellationToken));
            }

            Assert.Equal(3, buffer.PendingFds);
            Assert.Equal(before + 3, OpenDescriptors.Count());

            // Consumed as one 32-byte message, the first two hand over the fd at its start; the
            // fd that arrived in its middle can belong to no message any more and is closed.
            FileDescriptorHandle[] claimed = buffer.Consume(32);
            FileDescriptorHandle fd = Assert.Single(claimed);
            fd.Dispose();
            Assert.Equal(1, buffer.PendingFds);
            Assert.Equal(before + 1, OpenDescriptors.Count());
        }

        // Dispose closed message 3's fd, never claimed.
        Assert.Equal(before, OpenDescriptors.Count());
    }

    /// <summary>The open descriptors, without the one the listing itself used (closed by the time it is checked).</summary>
    private static HashSet<string> Snapshot() =>
        [.. Directory.GetFileSystemEntries("/proc/self/fd").Where(entry => Path.Exists(entry)).Select(Path.GetFileName).OfType<string>()];

    private static void WarmUp()
    {
        // First use of these paths may open runtime descriptors (libraries, the eventfd poller): not leaks.
        using var pair = new SocketPair();
        using EventFd eventFd = EventFd.Create();
        pair.A.Send("w"u8, [eventFd.Fd]);
        SocketPair.ReceiveExactly(pair.B, 1, fds: null);
    }
}
