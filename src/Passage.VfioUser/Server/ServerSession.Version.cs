using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Server;

internal sealed partial class ServerSession
{
    /// <summary>
    /// VERSION, the first message (vfio-user.md §3): anything else first closes the connection; a
    /// VERSION that is malformed, carries fds or cannot be agreed is answered with its errno, then
    /// closed. The answer comes from <see cref="VersionNegotiation.TryAnswer"/> with Passage's
    /// capabilities; a twin socket, when offered, is accepted and its other end sent as fd 0.
    /// </summary>
    private void Negotiate()
    {
        VfioUserReceiveStatus status;
        VfioUserHeader request;
        ReadOnlySpan<byte> received;
        FileDescriptorHandle[] fds;
        if (_first is { } first)
        {
            status = VfioUserReceiveStatus.Message;
            request = first.Header;
            received = first.Payload;
            fds = first.Fds;
            _first = null;
        }
        else
        {
            status = _connection.Receive(out VfioUserFrame frame, out fds, out _, _stop.Token);
            request = frame.Header;
            received = frame.Payload;
        }

        if (status == VfioUserReceiveStatus.Closed)
        {
            throw new SessionEndException(VfioUserDisconnectReason.Closed, "the client closed the connection before VERSION");
        }

        _server.CountMessage();
        if (status != VfioUserReceiveStatus.Message || !request.IsCommand || request.Command != VfioUserCommand.Version)
        {
            CloseAll(fds);
            throw new SessionEndException(VfioUserDisconnectReason.ProtocolError, $"the first message was {(request.IsReply ? "a reply to " : string.Empty)}{Name(request.Command)}, not VERSION");
        }

        if (fds.Length != 0)
        {
            CloseAll(fds);
            Fail(request, Errno.EINVAL);
            throw new SessionEndException(VfioUserDisconnectReason.ProtocolError, $"VERSION came with {fds.Length} fds");
        }

        if (!VfioUserVersion.TryRead(received, out VfioUserVersion version, out Errno error)
            || !version.TryReadCapabilities(out VersionCapabilities offer, out error))
        {
            Fail(request, error);
            throw new SessionEndException(VfioUserDisconnectReason.ProtocolError, "VERSION is malformed (payload or capabilities JSON)");
        }

        // The twin socket's end rides as an fd of the reply: only for a client that takes fds and wants a reply.
        bool twinPossible = offer.MaxMsgFds >= 1 && !request.NoReply;
        VersionCapabilities local = VersionCapabilities.PassageOffer with
        {
            MaxDmaMaps = _options.MaxDmaMaps,
            TwinSocket = twinPossible ? new TwinSocketCapability(true) : null,
        };
        if (!VersionNegotiation.TryAnswer(version.Major, version.Minor, offer, local, out VersionAnswer? answer, out error))
        {
            Fail(request, error);
            throw new SessionEndException(VfioUserDisconnectReason.ProtocolError, $"cannot agree on VERSION {version.Major}.{version.Minor}");
        }

        VfioUserConnection? twin = null;
        FileDescriptorHandle? otherEnd = null;
        try
        {
            if (answer!.SendsTwinSocket)
            {
                twin = new VfioUserConnection(UnixSocket.Pair(out otherEnd), VfioUserFrameKinds.Replies);
            }

            byte[] json = answer.Capabilities.ToJson();
            var reply = new VfioUserVersion(answer.Major, answer.Minor, json);
            byte[] payload = new byte[reply.PayloadSize];
            reply.Write(payload);
            Reply(request, payload, otherEnd is null ? [] : [otherEnd.Fd]);
        }
        catch
        {
            twin?.Dispose();
            throw;
        }
        finally
        {
            // The client has its copy now; this process keeps only its own end.
            otherEnd?.Dispose();
        }

        _answer = answer.Capabilities;
        _connection.Socket.MaxSendFds = Math.Min(offer.MaxMsgFds, VfioUserLimits.PassageMaxMsgFds);
        _dma = new DmaMessenger(
            _connection,
            twin,
            MaxTransfer,
            _options.DmaTimeout,
            () => Environment.CurrentManagedThreadId == _thread.ManagedThreadId,
            Abort);
        _server.OnSessionConnected(this, new VfioUserClientConnectedEventArgs(Id, answer.Major, answer.Minor, offer, answer.Capabilities));
    }

    private static string Name(VfioUserCommand command) =>
        VfioUserCommands.IsKnown(command) ? command.ToString() : $"command {(ushort)command}";
}
