using System.Runtime.Versioning;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

[UnsupportedOSPlatform("windows")]
public sealed class UnixListenerTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Connect_ToAListener_BytesAndFdsRoundTrip()
    {
        using var directory = new TempSocketDirectory();
        using var listener = UnixListener.Bind(directory.Path("device.sock"));
        using UnixSocket client = UnixSocket.Connect(listener.Path);
        using UnixSocket server = listener.Accept(TestContext.Current.CancellationToken);
        using EventFd eventFd = EventFd.Create();
        byte[] request = TestMessages.Build(4000, sender: 1, sequence: 1);
        byte[] reply = TestMessages.Build(100, sender: 2, sequence: 1);

        client.Send(request, [eventFd.Fd]);
        var fds = new List<FileDescriptorHandle>();
        byte[] arrived = SocketPair.ReceiveExactly(server, request.Length, fds);
        server.Send(reply);
        byte[] returned = SocketPair.ReceiveExactly(client, reply.Length);

        Assert.Equal(request, arrived);
        Assert.Equal(reply, returned);
        using FileDescriptorHandle fd = Assert.Single(fds);
        EventFdIdentity.AssertSameObject(eventFd, fd, marker: 42);
    }

    [Fact]
    public void Bind_Default_SocketFileIsOwnerReadWriteOnly()
    {
        using var directory = new TempSocketDirectory();
        using var listener = UnixListener.Bind(directory.Path("s"));

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(listener.Path));
        Assert.Equal(OwnerOnly, listener.Mode);
    }

    [Fact]
    public void Bind_GivenMode_AppliedAndSettableLater()
    {
        const UnixFileMode Group = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
        using var directory = new TempSocketDirectory();
        using var listener = UnixListener.Bind(directory.Path("s"), Group);
        UnixFileMode atBind = File.GetUnixFileMode(listener.Path);

        listener.Mode = OwnerOnly;

        Assert.Equal(Group, atBind);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(listener.Path));
    }

    [Fact]
    public void Bind_StaleSocketFile_ReplacedAndServed()
    {
        using var directory = new TempSocketDirectory();
        string path = directory.Path("s");
        MakeStaleSocketFile(directory, path);
        Assert.Throws<TransportException>(() => UnixSocket.Connect(path).Dispose());

        using var listener = UnixListener.Bind(path);
        using UnixSocket client = UnixSocket.Connect(path);
        using UnixSocket server = listener.Accept(TestContext.Current.CancellationToken);
        client.Send("hello"u8);

        Assert.Equal("hello"u8.ToArray(), SocketPair.ReceiveExactly(server, 5));
    }

    [Fact]
    public void Bind_RegularFileAtThePath_RefusedAndTheFileKept()
    {
        using var directory = new TempSocketDirectory();
        string path = directory.Path("s");
        File.WriteAllText(path, "precious");

        var e = Assert.Throws<TransportException>(() => UnixListener.Bind(path));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Contains("regular file", e.Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public void Bind_DirectoryAtThePath_RefusedAndKept()
    {
        using var directory = new TempSocketDirectory();
        string path = directory.Path("s");
        Directory.CreateDirectory(path);

        var e = Assert.Throws<TransportException>(() => UnixListener.Bind(path));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void Bind_SymbolicLinkToAStaleSocket_RefusedAndBothKept()
    {
        using var directory = new TempSocketDirectory();
        string target = directory.Path("stale");
        string link = directory.Path("s");
        MakeStaleSocketFile(directory, target);
        File.CreateSymbolicLink(link, target);

        var e = Assert.Throws<TransportException>(() => UnixListener.Bind(link));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.True(File.Exists(target));
    }

    [Fact]
    public void Bind_WhereAServerListens_RefusedAndThatServerKeepsWorking()
    {
        using var directory = new TempSocketDirectory();
        using var first = UnixListener.Bind(directory.Path("s"));

        var e = Assert.Throws<TransportException>(() => UnixListener.Bind(first.Path));

        // EADDRINUSE; the probe connection waits in the backlog, never sends, and closed.
        Assert.Equal(98, (int)e.Errno);
        using UnixSocket client = UnixSocket.Connect(first.Path);
        client.Send("still here"u8);
        using UnixSocket probe = first.Accept(TestContext.Current.CancellationToken);
        Assert.Equal(0, probe.Receive(new byte[16], out _, TestContext.Current.CancellationToken));
        using UnixSocket server = first.Accept(TestContext.Current.CancellationToken);
        Assert.Equal("still here"u8.ToArray(), SocketPair.ReceiveExactly(server, 10));
    }

    [Fact]
    public void Bind_PathLongerThanSockaddrUn_Refused()
    {
        string path = "/tmp/" + new string('p', 103);

        Assert.Throws<ArgumentException>(() => UnixListener.Bind(path));
        Assert.Throws<ArgumentException>(() => UnixSocket.Connect(path));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Dispose_RemovesTheSocketFile()
    {
        using var directory = new TempSocketDirectory();
        var listener = UnixListener.Bind(directory.Path("s"));
        Assert.True(File.Exists(listener.Path));

        listener.Dispose();

        Assert.False(File.Exists(listener.Path));
        var e = Assert.Throws<TransportException>(() => UnixSocket.Connect(listener.Path));
        Assert.Equal(Errno.ENOENT, e.Errno);
    }

    [Fact]
    public void Dispose_SocketFileReplacedMeanwhile_LeavesTheNewFile()
    {
        using var directory = new TempSocketDirectory();
        var listener = UnixListener.Bind(directory.Path("s"));
        File.Delete(listener.Path);
        File.WriteAllText(listener.Path, "someone else's");

        listener.Dispose();

        Assert.Equal("someone else's", File.ReadAllText(listener.Path));
    }

    [Fact]
    public void Dispose_AcceptedConnectionsStayUsable()
    {
        using var directory = new TempSocketDirectory();
        var listener = UnixListener.Bind(directory.Path("s"));
        using UnixSocket client = UnixSocket.Connect(listener.Path);
        using UnixSocket server = listener.Accept(TestContext.Current.CancellationToken);

        listener.Dispose();
        client.Send("after"u8);

        Assert.Equal("after"u8.ToArray(), SocketPair.ReceiveExactly(server, 5));
    }

    [Fact]
    public async Task Accept_CancelledWhileWaiting_ThrowsAndTheListenerStillAccepts()
    {
        using var directory = new TempSocketDirectory();
        using var listener = UnixListener.Bind(directory.Path("s"));
        using var cancellation = new CancellationTokenSource();
        Task<UnixSocket> accept = SocketPair.OnOwnThread(() => listener.Accept(cancellation.Token));
        Thread.Sleep(100);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => accept.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
        using UnixSocket client = UnixSocket.Connect(listener.Path);
        using UnixSocket server = listener.Accept(TestContext.Current.CancellationToken);
        client.Send("x"u8);
        Assert.Equal("x"u8.ToArray(), SocketPair.ReceiveExactly(server, 1));
    }

    [Fact]
    public async Task Accept_DisposedWhileWaiting_ThrowsObjectDisposed()
    {
        using var directory = new TempSocketDirectory();
        var listener = UnixListener.Bind(directory.Path("s"));
        Task<UnixSocket> accept = SocketPair.OnOwnThread(() => listener.Accept(TestContext.Current.CancellationToken));
        Thread.Sleep(100);

        listener.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(
            () => accept.WaitAsync(SocketPair.Generous, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Accept_TwoQueuedClients_EachGetsItsOwnConnection()
    {
        using var directory = new TempSocketDirectory();
        using var listener = UnixListener.Bind(directory.Path("s"));
        using UnixSocket one = UnixSocket.Connect(listener.Path);
        using UnixSocket two = UnixSocket.Connect(listener.Path);
        one.Send("one"u8);
        two.Send("two"u8);

        using UnixSocket first = listener.Accept(TestContext.Current.CancellationToken);
        using UnixSocket second = listener.Accept(TestContext.Current.CancellationToken);

        Assert.Equal("one"u8.ToArray(), SocketPair.ReceiveExactly(first, 3));
        Assert.Equal("two"u8.ToArray(), SocketPair.ReceiveExactly(second, 3));
    }

    [Fact]
    public void Accept_ListenerOptions_AppliedToTheConnection()
    {
        using var directory = new TempSocketDirectory();
        using var listener = UnixListener.Bind(
            directory.Path("s"), options: new UnixSocketOptions { MaxReceiveFds = 2, MaxSendFds = 1 });
        using UnixSocket client = UnixSocket.Connect(listener.Path);

        using UnixSocket server = listener.Accept(TestContext.Current.CancellationToken);

        Assert.Equal(2, server.MaxReceiveFds);
        Assert.Equal(1, server.MaxSendFds);
    }

    [Fact]
    public void Connect_NothingAtThePath_ThrowsEnoent()
    {
        using var directory = new TempSocketDirectory();

        var e = Assert.Throws<TransportException>(() => UnixSocket.Connect(directory.Path("missing")));

        Assert.Equal(Errno.ENOENT, e.Errno);
    }

    [Fact]
    public void Connect_StaleSocketFile_ThrowsEconnrefused()
    {
        using var directory = new TempSocketDirectory();
        string path = directory.Path("s");
        MakeStaleSocketFile(directory, path);

        var e = Assert.Throws<TransportException>(() => UnixSocket.Connect(path));

        Assert.Equal(111, (int)e.Errno);
    }

    /// <summary>Leaves a socket file nobody listens on, as a crashed server would.</summary>
    private static void MakeStaleSocketFile(TempSocketDirectory directory, string path)
    {
        // Moved away from under a listener, the file survives the listener's Dispose unbound.
        string original = directory.Path("origin-" + Guid.NewGuid().ToString("N")[..8]);
        using (var listener = UnixListener.Bind(original))
        {
            File.Move(original, path);
        }

        Assert.True(File.Exists(path));
        Assert.False(File.Exists(original));
    }
}
