using System.Buffers;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Server;

/// <summary>
/// DMA_READ and DMA_WRITE to the client (vfio-user.md §4, §8 rule 6): split to the client's
/// <c>max_data_xfer_size</c>, one request in flight at a time, each waiting for its reply. On the
/// twin socket the requester reads the reply itself; on the main socket (a client without twin
/// socket) the session's reader hands it over, so a request from the reader's own thread would wait
/// for itself and is refused with EBUSY. A reply that does not echo the request fails the transfer
/// (EIO); one that never comes, or a stream out of step, disconnects the client.
/// </summary>
internal sealed class DmaMessenger : IDisposable
{
    private readonly VfioUserConnection _main;
    private readonly VfioUserConnection? _twin;
    private readonly int _maxTransfer;
    private readonly TimeSpan _timeout;
    private readonly Func<bool> _onReaderThread;
    private readonly Action<VfioUserDisconnectReason, string> _abort;
    private readonly Lock _transaction = new();
    private readonly Lock _pendingLock = new();
    private PendingDmaReply? _pending;
    private ushort _nextId;
    private bool _closed;

    /// <param name="main">The session's connection.</param>
    /// <param name="twin">The twin socket's connection (owned: closed with the messenger), or null.</param>
    /// <param name="maxTransfer">The client's <c>max_data_xfer_size</c> (1..1 MiB).</param>
    /// <param name="timeout">How long a reply may take.</param>
    /// <param name="onReaderThread">Whether the caller is the session's reader.</param>
    /// <param name="abort">Ends the session (an unresponsive client, a stream out of step).</param>
    public DmaMessenger(VfioUserConnection main, VfioUserConnection? twin, int maxTransfer, TimeSpan timeout, Func<bool> onReaderThread, Action<VfioUserDisconnectReason, string> abort)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTransfer);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTransfer, VfioUserLimits.MaxDataTransfer);
        _main = main;
        _twin = twin;
        _maxTransfer = maxTransfer;
        _timeout = timeout;
        _onReaderThread = onReaderThread;
        _abort = abort;
    }

    public bool UsesTwinSocket => _twin is not null;

    public Errno Read(ulong address, Span<byte> destination)
    {
        for (int done = 0; done < destination.Length;)
        {
            int length = Math.Min(_maxTransfer, destination.Length - done);
            Errno result = Exchange(VfioUserCommand.DmaRead, address + (ulong)done, destination.Slice(done, length), default);
            if (result != Errno.None)
            {
                return result;
            }

            done += length;
        }

        return Errno.None;
    }

    public Errno Write(ulong address, ReadOnlySpan<byte> source)
    {
        for (int done = 0; done < source.Length;)
        {
            int length = Math.Min(_maxTransfer, source.Length - done);
            Errno result = Exchange(VfioUserCommand.DmaWrite, address + (ulong)done, default, source.Slice(done, length));
            if (result != Errno.None)
            {
                return result;
            }

            done += length;
        }

        return Errno.None;
    }

    /// <summary>
    /// Hands a reply that arrived on the main socket to the request waiting for it; false when no
    /// request waits for this one (the client answered something never asked).
    /// </summary>
    public bool Deliver(in VfioUserFrame reply)
    {
        lock (_pendingLock)
        {
            PendingDmaReply? pending = _pending;
            if (pending is null || pending.Id != reply.Header.MessageId || pending.Command != reply.Header.Command)
            {
                return false;
            }

            _pending = null;
            pending.Complete(Check(reply, pending.Command, pending.Address, pending.Count, pending.Buffer.AsSpan(0, pending.Command == VfioUserCommand.DmaRead ? pending.Count : 0)));
            return true;
        }
    }

    /// <summary>Fails the request in flight and every later one with EIO, and closes the twin socket.</summary>
    public void Dispose()
    {
        lock (_pendingLock)
        {
            _closed = true;
            _pending?.Complete(Errno.EIO);
            _pending = null;
        }

        _twin?.Dispose();
    }

    // The reply's verdict: the client's errno, or the data of a DMA_READ / the exact 16-byte echo of a DMA_WRITE.
    private static Errno Check(in VfioUserFrame reply, VfioUserCommand command, ulong address, int count, Span<byte> readInto)
    {
        Errno refused = VfioUserErrorReply.ErrnoOf(reply.Header);
        if (refused != Errno.None)
        {
            return refused;
        }

        if (command == VfioUserCommand.DmaRead)
        {
            if (!VfioUserDmaAccess.TryReadWithData(reply.Payload, out VfioUserDmaAccess data, out _, (ulong)count)
                || data.Address != address || data.Count != (ulong)count)
            {
                return Errno.EIO;
            }

            data.Data.CopyTo(readInto);
            return Errno.None;
        }

        return VfioUserDmaAccess.TryReadHead(reply.Payload, out VfioUserDmaAccess echo, out _, (ulong)count)
            && echo.Address == address && echo.Count == (ulong)count
            ? Errno.None
            : Errno.EIO;
    }

    private static string Describe(VfioUserCommand command, ulong address, int count) =>
        $"{(command == VfioUserCommand.DmaRead ? "DMA_READ" : "DMA_WRITE")} 0x{address:x}+{count}";

    private Errno Exchange(VfioUserCommand command, ulong address, Span<byte> readInto, ReadOnlySpan<byte> writeFrom)
    {
        if (_twin is null && _onReaderThread())
        {
            return Errno.EBUSY;
        }

        int count = command == VfioUserCommand.DmaRead ? readInto.Length : writeFrom.Length;
        int payloadLength = VfioUserDmaAccess.HeadSize + (command == VfioUserCommand.DmaWrite ? count : 0);
        int messageLength = VfioUserProtocol.HeaderSize + payloadLength;
        lock (_transaction)
        {
            byte[] message = ArrayPool<byte>.Shared.Rent(messageLength);
            PendingDmaReply? pending = null;
            try
            {
                ushort id = _nextId++;
                VfioUserHeader.ForCommand(id, command, payloadLength).Write(message);
                new VfioUserDmaAccess(address, (ulong)count).WriteHead(message.AsSpan(VfioUserProtocol.HeaderSize));
                writeFrom.CopyTo(message.AsSpan(VfioUserProtocol.HeaderSize + VfioUserDmaAccess.HeadSize));
                lock (_pendingLock)
                {
                    if (_closed)
                    {
                        return Errno.EIO;
                    }

                    if (_twin is null)
                    {
                        pending = new PendingDmaReply(id, command, address, count);
                        _pending = pending;
                    }
                }

                try
                {
                    (_twin ?? _main).SendRaw(message.AsSpan(0, messageLength));
                }
                catch (Exception e) when (e is TransportException or ObjectDisposedException)
                {
                    return Errno.EIO;
                }

                return pending is null ? ReceiveOnTwin(id, command, address, count, readInto) : AwaitPending(pending, readInto);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(message);
                if (pending is not null)
                {
                    lock (_pendingLock)
                    {
                        if (_pending == pending)
                        {
                            _pending = null;
                        }
                    }

                    pending.Dispose();
                }
            }
        }
    }

    private Errno AwaitPending(PendingDmaReply pending, Span<byte> readInto)
    {
        pending.Wait(_timeout);
        bool abandoned;
        lock (_pendingLock)
        {
            // Abandoned under the lock: a reply arriving later finds nothing to fill.
            abandoned = !pending.IsCompleted;
            if (abandoned)
            {
                _pending = null;
            }
        }

        if (abandoned)
        {
            _abort(VfioUserDisconnectReason.Unresponsive, $"no reply to {Describe(pending.Command, pending.Address, pending.Count)} within {_timeout.TotalSeconds:0.#} s");
            return Errno.EIO;
        }

        if (pending.Result == Errno.None && pending.Command == VfioUserCommand.DmaRead)
        {
            pending.Buffer.AsSpan(0, pending.Count).CopyTo(readInto);
        }

        return pending.Result;
    }

    private Errno ReceiveOnTwin(ushort id, VfioUserCommand command, ulong address, int count, Span<byte> readInto)
    {
        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            VfioUserReceiveStatus status = _twin!.Receive(out VfioUserFrame reply, out FileDescriptorHandle[] fds, out _, timeout.Token);
            if (status != VfioUserReceiveStatus.Message)
            {
                _abort(VfioUserDisconnectReason.Closed, $"the twin socket closed while {Describe(command, address, count)} waited");
                return Errno.EIO;
            }

            if (reply.Header.MessageId != id || reply.Header.Command != command)
            {
                FileDescriptorHandle.DisposeAll(fds);

                _abort(VfioUserDisconnectReason.ProtocolError, $"the twin socket answered {reply.Header.Command} #{reply.Header.MessageId} to {Describe(command, address, count)} #{id}");
                return Errno.EIO;
            }

            if (fds.Length != 0)
            {
                // A DMA reply carries no fds (vfio-user.md §7): the transfer fails.
                FileDescriptorHandle.DisposeAll(fds);

                return Errno.EIO;
            }

            return Check(reply, command, address, count, readInto);
        }
        catch (OperationCanceledException)
        {
            _abort(VfioUserDisconnectReason.Unresponsive, $"no reply to {Describe(command, address, count)} within {_timeout.TotalSeconds:0.#} s");
            return Errno.EIO;
        }
        catch (VfioUserProtocolException e)
        {
            _abort(VfioUserDisconnectReason.ProtocolError, $"the twin socket broke the protocol: {e.Message}");
            return Errno.EIO;
        }
        catch (TransportException e)
        {
            _abort(VfioUserDisconnectReason.ConnectionFailed, $"the twin socket failed: {e.Message}");
            return Errno.EIO;
        }
        catch (ObjectDisposedException)
        {
            return Errno.EIO;
        }
    }
}
