using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// A vfio-user client for tests, with no policy of its own: it sends whatever it is given through a
/// <see cref="VfioUserConnection"/> and hands back the raw replies. DMA requests from the server (on
/// the twin socket, or between replies on the main socket) are answered from <see cref="Memory"/>.
/// </summary>
internal sealed class RawClient : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private Thread? _responder;
    private ushort _nextId = 1;

    private RawClient(UnixSocket socket) => Main = new VfioUserConnection(socket, VfioUserFrameKinds.Any);

    public VfioUserConnection Main { get; }

    public VfioUserConnection? Twin { get; private set; }

    /// <summary>The server's VERSION answer, once negotiated.</summary>
    public VersionCapabilities? Answer { get; private set; }

    /// <summary>Memory the server's DMA requests are answered from.</summary>
    public ClientMemory? Memory { get; set; }

    public static RawClient Connect(string path) => new(UnixSocket.Connect(path));

    public static byte[] VersionPayload(VersionCapabilities offer, ushort major = 0, ushort minor = 2)
    {
        byte[] json = offer.ToJson();
        var version = new VfioUserVersion(major, minor, json);
        byte[] payload = new byte[version.PayloadSize];
        version.Write(payload);
        return payload;
    }

    /// <summary>Sends VERSION with <paramref name="offer"/> (Passage's by default); a twin socket in the answer is taken and served.</summary>
    public RawReply Version(VersionCapabilities? offer = null, ushort major = 0, ushort minor = 2)
    {
        RawReply reply = Request(VfioUserCommand.Version, VersionPayload(offer ?? VersionCapabilities.PassageOffer, major, minor));
        if (reply.Errno == Host.Devices.Errno.None)
        {
            Assert.True(VfioUserVersion.TryRead(reply.Payload, out VfioUserVersion version, out _));
            Assert.True(version.TryReadCapabilities(out VersionCapabilities answer, out _));
            Answer = answer;
            if (answer.TwinSocket is { Supported: true, FdIndex: int index })
            {
                Twin = new VfioUserConnection(UnixSocket.FromDescriptor(reply.Fds[index].Duplicate()), VfioUserFrameKinds.Commands);
                ServeTwin();
            }
        }

        return reply;
    }

    /// <summary>Sends a command and waits for its reply.</summary>
    public RawReply Request(VfioUserCommand command, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default)
    {
        Post(command, payload, fds);
        return ReceiveReply() ?? throw new InvalidOperationException($"the server closed the connection instead of answering {command}");
    }

    /// <summary>Sends a command without waiting; returns its message id.</summary>
    public ushort Post(VfioUserCommand command, ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds = default, bool noReply = false)
    {
        ushort id = _nextId++;
        Main.Send(VfioUserHeader.ForCommand(id, command, payload.Length, noReply), payload, fds);
        return id;
    }

    /// <summary>The next reply on the main socket (server DMA requests meanwhile are answered); null when the server closed the connection.</summary>
    public RawReply? ReceiveReply()
    {
        using CancellationTokenSource patience = Patient();
        while (true)
        {
            VfioUserReceiveStatus status = Main.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out _, patience.Token);
            if (status == VfioUserReceiveStatus.Closed)
            {
                return null;
            }

            if (frame.Header.IsCommand)
            {
                Close(fds);
                if (Memory is null)
                {
                    Main.SendError(frame.Header, Host.Devices.Errno.EINVAL);
                }
                else
                {
                    Memory.Answer(Main, frame);
                }

                continue;
            }

            return new RawReply(frame.Header, frame.Payload.ToArray(), fds);
        }
    }

    /// <summary>
    /// Exactly <paramref name="length"/> bytes straight from the socket, bypassing the framing (for
    /// replies this client's decoder would refuse, such as one naming an unknown command). Only
    /// when nothing else is on its way.
    /// </summary>
    public byte[] ReceiveRaw(int length)
    {
        using CancellationTokenSource patience = Patient();
        byte[] bytes = new byte[length];
        for (int done = 0; done < length;)
        {
            int received = Main.Socket.Receive(bytes.AsSpan(done), out FileDescriptorHandle[] fds, patience.Token);
            Close(fds);
            Assert.NotEqual(0, received);
            done += received;
        }

        return bytes;
    }

    /// <summary>Whether the server closed the connection (nothing but its end of stream arrives).</summary>
    public bool WaitClosed()
    {
        try
        {
            using RawReply? reply = ReceiveReply();
            return reply is null;
        }
        catch (VfioUserProtocolException)
        {
            return true;
        }
    }

    /// <summary>Answers DMA requests arriving on the main socket from a thread of its own (for a client without twin socket, while the test thread waits on the server).</summary>
    public void ServeMain() => StartResponder(Main);

    public void Dispose()
    {
        _stop.Cancel();
        Twin?.Dispose();
        Main.Dispose();
        _responder?.Join(Patience);
        _stop.Dispose();
    }

    private static void Close(FileDescriptorHandle[] fds)
    {
        foreach (FileDescriptorHandle fd in fds)
        {
            fd.Dispose();
        }
    }

    private static CancellationTokenSource Patient()
    {
        var patience = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        patience.CancelAfter(Patience);
        return patience;
    }

    private void ServeTwin() => StartResponder(Twin!);

    private void StartResponder(VfioUserConnection connection)
    {
        CancellationToken stop = _stop.Token;
        _responder = new Thread(() =>
        {
            try
            {
                while (connection.Receive(out VfioUserFrame frame, out FileDescriptorHandle[] fds, out _, stop) == VfioUserReceiveStatus.Message)
                {
                    Close(fds);
                    Memory?.Answer(connection, frame);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or VfioUserProtocolException or TransportException)
            {
                // The test or the server ended the conversation.
            }
        })
        { IsBackground = true, Name = "raw client DMA responder" };
        _responder.Start();
    }
}
