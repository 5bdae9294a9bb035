using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Passage.Store.Protocol;

namespace Passage.Store.Server;

/// <summary>
/// The life of one connection to the store, over any duplex pipe (a Kestrel socket connection or an
/// in-process pair): it reads whole frames, hands each to the connection's session, and sends the
/// replies of every batch of pipelined requests once the latest change among them is durable, so an
/// acknowledged write survives a crash. Watch events reach the socket through a bounded queue and a
/// writer of their own; replies and events take turns on the output. A payload above 4096 bytes, a
/// watcher that stopped reading, or any failure ends this connection only.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "A loop runs once; RunAsync disposes what it owns when the connection ends.")]
internal sealed class StoreConnectionLoop
{
    // Replies gathered before a batch is sent even if more requests are already buffered: a flood of
    // small requests asking for large replies cannot pile up replies in memory.
    private const int ReplyBatchBytes = 64 * 1024;

    private readonly IStoreService _service;
    private readonly int _domainId;
    private readonly IDuplexPipe _transport;
    private readonly Action<string> _abortTransport;
    private readonly StoreServerOptions _options;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly SemaphoreSlim _outputTurn = new(1, 1);
    private readonly ArrayBufferWriter<byte> _replies = new(4096);
    private readonly byte[] _gathered = new byte[XsHeader.MaxPayload];

    /// <summary>
    /// A loop for a connection speaking for <paramref name="domainId"/>. <paramref name="abortTransport"/>
    /// cuts the transport underneath (a socket's pending sends fail) when the connection must end
    /// although its peer is not reading.
    /// </summary>
    public StoreConnectionLoop(IStoreService service, int domainId, IDuplexPipe transport, Action<string> abortTransport, StoreServerOptions options, ILogger logger, string name)
    {
        _service = service;
        _domainId = domainId;
        _transport = transport;
        _abortTransport = abortTransport;
        _options = options;
        _logger = logger;
        _name = name;
    }

    private enum BatchEnd
    {
        NeedMore,
        BatchFull,
        TooLarge,
    }

    /// <summary>Serves the connection until the peer closes, the connection fails or <paramref name="stopping"/> fires; never throws.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var events = new ConnectionEventQueue(_options.MaxQueuedEventBytes, () => OnEventOverflow(stop));
        IStoreSession? session = null;
        Task pump = Task.CompletedTask;
        try
        {
            session = _service.Open(_domainId, events);
            pump = PumpEventsAsync(events, stop.Token);
            await ReadRequestsAsync(session, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Server stopping or the connection was cut: not a failure of the connection.
        }
        catch (IOException exception)
        {
            // The peer reset the connection: its own business, not the server's failure.
            ServerLog.Reset(_logger, _name, exception.Message);
        }
        catch (Exception exception)
        {
            ServerLog.Failed(_logger, exception, _name, _domainId);
        }
        finally
        {
            events.Close();
            try
            {
                session?.Dispose();
            }
            catch (Exception exception)
            {
                ServerLog.CloseFailed(_logger, exception, _name, "discarding its session");
            }

            await stop.CancelAsync();
            try
            {
                await pump;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                ServerLog.CloseFailed(_logger, exception, _name, "its event writer");
            }
            catch (OperationCanceledException)
            {
                // Cancelled with the connection.
            }

            await _transport.Input.CompleteAsync();
            await _transport.Output.CompleteAsync();
            _outputTurn.Dispose();
        }
    }

    private async Task ReadRequestsAsync(IStoreSession session, CancellationToken cancellationToken)
    {
        PipeReader input = _transport.Input;
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            BatchEnd end = HandleFrames(session, buffer, out SequencePosition consumed, out long ticket, out XsHeader refused);

            // A full batch leaves whole frames unread: mark only what was consumed as examined, so
            // the next read returns them at once instead of waiting for more bytes.
            if (end == BatchEnd.BatchFull)
            {
                input.AdvanceTo(consumed);
            }
            else
            {
                input.AdvanceTo(consumed, buffer.End);
            }

            if (!await SendRepliesAsync(ticket, cancellationToken))
            {
                return;
            }

            if (end == BatchEnd.TooLarge)
            {
                ServerLog.PayloadTooLarge(_logger, _name, _domainId, refused.Type, refused.Length);
                return;
            }

            if (result.IsCompleted && end != BatchEnd.BatchFull)
            {
                long left = buffer.Slice(consumed).Length;
                if (left > 0)
                {
                    ServerLog.ClosedMidFrame(_logger, _name, left);
                }

                return;
            }
        }
    }

    private BatchEnd HandleFrames(IStoreSession session, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out long ticket, out XsHeader refused)
    {
        consumed = buffer.Start;
        ticket = 0;
        refused = default;
        while (true)
        {
            ReadOnlySequence<byte> rest = buffer.Slice(consumed);
            switch (XsFrameDecoder.Decode(rest, out XsHeader header, out ReadOnlySequence<byte> payload, out SequencePosition end))
            {
                case XsFrameStatus.Incomplete:
                    return BatchEnd.NeedMore;
                case XsFrameStatus.TooLarge:
                    refused = header;
                    return BatchEnd.TooLarge;
            }

            ReadOnlySpan<byte> body = payload.IsSingleSegment ? payload.FirstSpan : Gather(payload);
            ticket = Math.Max(ticket, session.Handle(header, body, _replies));
            consumed = end;
            if (_replies.WrittenCount >= ReplyBatchBytes)
            {
                return BatchEnd.BatchFull;
            }
        }
    }

    private Span<byte> Gather(in ReadOnlySequence<byte> payload)
    {
        // At most MaxPayload bytes: the decoder refused anything longer.
        Span<byte> gathered = _gathered.AsSpan(0, (int)payload.Length);
        payload.CopyTo(gathered);
        return gathered;
    }

    /// <summary>Sends the batch's replies once <paramref name="ticket"/> is durable; false when the peer is gone.</summary>
    private async Task<bool> SendRepliesAsync(long ticket, CancellationToken cancellationToken)
    {
        if (_replies.WrittenCount == 0)
        {
            return true;
        }

        if (ticket > 0)
        {
            await _service.WaitDurableAsync(ticket, cancellationToken);
        }

        bool reading = await SendAsync(_replies.WrittenMemory, cancellationToken);
        _replies.ResetWrittenCount();
        return reading;
    }

    /// <summary>Writes whole frames and flushes them, taking turns with the other writer; false when the peer stopped reading.</summary>
    private async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
    {
        await _outputTurn.WaitAsync(cancellationToken);
        try
        {
            _transport.Output.Write(frames.Span);
            FlushResult flushed = await _transport.Output.FlushAsync(cancellationToken);
            return !flushed.IsCompleted;
        }
        finally
        {
            _outputTurn.Release();
        }
    }

    private async Task PumpEventsAsync(ConnectionEventQueue events, CancellationToken cancellationToken)
    {
        var batch = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            await events.WaitAsync(cancellationToken);
            int oversized = events.TakeInto(batch);
            if (oversized > 0)
            {
                ServerLog.EventsTooLong(_logger, _name, oversized);
            }

            if (batch.WrittenCount == 0)
            {
                continue;
            }

            bool reading = await SendAsync(batch.WrittenMemory, cancellationToken);
            batch.ResetWrittenCount();
            if (!reading)
            {
                return;
            }
        }
    }

    private void OnEventOverflow(CancellationTokenSource stop)
    {
        ServerLog.EventsNotRead(_logger, _name, _domainId, _options.MaxQueuedEventBytes);
        try
        {
            // Cancel first: the loop then takes the transport's failure for the closing it is.
            stop.Cancel();
            _abortTransport("watch events not read");
        }
        catch (ObjectDisposedException)
        {
            // The connection already ended.
        }
    }
}
