using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Passage.Store.Protocol;

namespace Passage.Store.Client;

/// <summary>
/// A XenStore client over a Unix socket or an in-process connection. Any number of callers may have
/// requests in flight at once: requests are written one whole frame at a time, replies are matched
/// to their requests by request id, and watch events go to <see cref="WatchEventsAsync"/> whenever
/// they arrive. Failed requests throw <see cref="StoreException"/> with the server's error; when
/// the connection ends, every request waiting for a reply throws <see cref="StoreConnectionLostException"/>.
/// </summary>
public sealed class StoreClient : IAsyncDisposable
{
    /// <summary>How many times <see cref="RunTransactionAsync{T}"/> runs a transaction that keeps conflicting before it gives up.</summary>
    public const int DefaultTransactionAttempts = 16;

    private readonly IDuplexPipe _transport;
    private readonly Socket? _socket;
    private readonly SemaphoreSlim _writeTurn = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, TaskCompletionSource<StoreReply>> _pending = [];
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private uint _lastRequestId;
    private StoreConnectionLostException? _lost;
    private int _disposed;

    private StoreClient(IDuplexPipe transport, Socket? socket)
    {
        _transport = transport;
        _socket = socket;
        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>Connects to the store's Unix socket at <paramref name="socketPath"/> (a socket connection speaks as dom0).</summary>
    /// <exception cref="SocketException">Nothing answers there.</exception>
    public static async Task<StoreClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: false);
        var transport = new StreamTransport(
            PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
        return new StoreClient(transport, socket);
    }

    /// <summary>A client over an already open connection, such as the client end of an in-process connection.</summary>
    public static StoreClient Connect(IDuplexPipe transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new StoreClient(transport, null);
    }

    /// <summary>Sends one request as given and returns its reply, an ERROR reply included (no exception for it).</summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> exceeds the 4096-byte limit.</exception>
    /// <exception cref="StoreConnectionLostException">The connection ended before the reply came.</exception>
    public async Task<StoreReply> SendAsync(XsMessageType type, uint transactionId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > XsHeader.MaxPayload)
        {
            throw new ArgumentException($"a payload of {payload.Length} bytes exceeds {XsHeader.MaxPayload}", nameof(payload));
        }

        var reply = new TaskCompletionSource<StoreReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        uint requestId;
        await _writeTurn.WaitAsync(cancellationToken);
        try
        {
            lock (_gate)
            {
                if (_lost is not null)
                {
                    throw _lost;
                }

                requestId = NextRequestId();
                _pending.Add(requestId, reply);
            }

            try
            {
                XsFrameWriter.Write(_transport.Output, type, requestId, transactionId, payload.Span);
                FlushResult flushed = await _transport.Output.FlushAsync(_closing.Token);
                if (flushed.IsCompleted)
                {
                    throw new StoreConnectionLostException("the store stopped reading requests");
                }
            }
            catch (Exception exception)
            {
                Forget(requestId);
                throw exception as StoreConnectionLostException ?? new StoreConnectionLostException("sending a request failed", exception);
            }
        }
        finally
        {
            _writeTurn.Release();
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return await reply.Task;
        }

        // A reply that comes after its caller gave up finds no request and is dropped.
        await using CancellationTokenRegistration registration = cancellationToken.Register(() =>
        {
            Forget(requestId);
            reply.TrySetCanceled(cancellationToken);
        });
        return await reply.Task;
    }

    /// <summary>Reads a node's raw value.</summary>
    public Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken = default) => ReadCoreAsync(0, path, cancellationToken);

    /// <summary>Reads a node's value as UTF-8 text.</summary>
    public Task<string> ReadStringAsync(string path, CancellationToken cancellationToken = default) => ReadStringCoreAsync(0, path, cancellationToken);

    /// <summary>Writes a node's raw value, creating missing parents.</summary>
    public Task WriteAsync(string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => WriteCoreAsync(0, path, value, cancellationToken);

    /// <summary>Writes a node's value as UTF-8 text, creating missing parents.</summary>
    public Task WriteAsync(string path, string value, CancellationToken cancellationToken = default) => WriteCoreAsync(0, path, Utf8(value), cancellationToken);

    /// <summary>Creates a node, keeping an existing one.</summary>
    public Task MkdirAsync(string path, CancellationToken cancellationToken = default) => PathRequestAsync(XsMessageType.Mkdir, 0, path, cancellationToken);

    /// <summary>Removes a subtree.</summary>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default) => PathRequestAsync(XsMessageType.Rm, 0, path, cancellationToken);

    /// <summary>Lists a node's children.</summary>
    public Task<IReadOnlyList<string>> DirectoryAsync(string path, CancellationToken cancellationToken = default) => DirectoryCoreAsync(0, path, cancellationToken);

    /// <summary>Reads a node's permissions (<c>n0</c>, <c>r5</c>, …; owner first).</summary>
    public Task<IReadOnlyList<string>> GetPermissionsAsync(string path, CancellationToken cancellationToken = default) => GetPermissionsCoreAsync(0, path, cancellationToken);

    /// <summary>Replaces a node's permissions (<c>n0</c>, <c>r5</c>, …; owner first).</summary>
    public Task SetPermissionsAsync(string path, IEnumerable<string> permissions, CancellationToken cancellationToken = default) => SetPermissionsCoreAsync(0, path, permissions, cancellationToken);

    /// <summary>Registers a watch; its first event (the path itself) follows at once (store.md §6).</summary>
    public Task WatchAsync(string path, string token, CancellationToken cancellationToken = default) => RequestAsync(XsMessageType.Watch, 0, Fields(path, token), cancellationToken);

    /// <summary>Removes a watch.</summary>
    public Task UnwatchAsync(string path, string token, CancellationToken cancellationToken = default) => RequestAsync(XsMessageType.Unwatch, 0, Fields(path, token), cancellationToken);

    /// <summary>Drops this connection's watches and transactions.</summary>
    public Task ResetWatchesAsync(CancellationToken cancellationToken = default) => RequestAsync(XsMessageType.ResetWatches, 0, EmptyRequest, cancellationToken);

    /// <summary>
    /// The watch events of this connection as they arrive. The stream ends when the client is
    /// disposed and fails with <see cref="StoreConnectionLostException"/> when the connection is lost.
    /// </summary>
    public IAsyncEnumerable<WatchEvent> WatchEventsAsync(CancellationToken cancellationToken = default) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Opens a transaction.</summary>
    public async Task<StoreTransaction> StartTransactionAsync(CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync(XsMessageType.TransactionStart, 0, EmptyRequest, cancellationToken);
        string id = FirstField(reply);
        if (!uint.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out uint transactionId) || transactionId == 0)
        {
            throw new StoreException(StoreError.EIO, $"the store answered TRANSACTION_START with '{id}', not a transaction id");
        }

        return new StoreTransaction(this, transactionId);
    }

    /// <summary>
    /// Runs <paramref name="body"/> inside a transaction and commits it; on a conflict (EAGAIN) runs
    /// the whole body again in a new transaction, so everything it decides on is read inside the
    /// transaction that commits (store.md §7.1). Nothing read by one attempt may be carried into
    /// the next: the body gets only its transaction. If the body throws, the transaction is
    /// aborted and the exception passes on.
    /// </summary>
    /// <exception cref="StoreException">With <see cref="StoreError.EAGAIN"/> when all <paramref name="maxAttempts"/> attempts conflicted, or another error from the body or the commit.</exception>
    public async Task<T> RunTransactionAsync<T>(Func<StoreTransaction, Task<T>> body, int maxAttempts = DefaultTransactionAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (int attempt = 1; attempt <= maxAttempts; attempt++)
        {
            StoreTransaction transaction = await StartTransactionAsync(cancellationToken);
            T result;
            try
            {
                result = await body(transaction);
            }
            catch
            {
                await AbortQuietlyAsync(transaction);
                throw;
            }

            if (transaction.IsEnded)
            {
                throw new InvalidOperationException("the transaction body must not commit or abort its transaction itself");
            }

            if (await transaction.CommitAsync(cancellationToken))
            {
                return result;
            }
        }

        throw new StoreException(StoreError.EAGAIN, $"the transaction conflicted {maxAttempts} times in a row; giving up");
    }

    /// <summary>Runs <paramref name="body"/> inside a transaction, as <see cref="RunTransactionAsync{T}"/> does.</summary>
    /// <exception cref="StoreException">With <see cref="StoreError.EAGAIN"/> when all <paramref name="maxAttempts"/> attempts conflicted, or another error from the body or the commit.</exception>
    public Task RunTransactionAsync(Func<StoreTransaction, Task> body, int maxAttempts = DefaultTransactionAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunTransactionAsync(
            async transaction =>
            {
                await body(transaction);
                return true;
            },
            maxAttempts,
            cancellationToken);
    }

    /// <summary>Introduces a domain (privileged): <paramref name="frame"/> is its store page's frame number, <paramref name="eventChannel"/> its event channel.</summary>
    public Task IntroduceAsync(int domainId, ulong frame, uint eventChannel, CancellationToken cancellationToken = default) =>
        RequestAsync(XsMessageType.Introduce, 0, Fields(Number(domainId), frame.ToString(CultureInfo.InvariantCulture), eventChannel.ToString(CultureInfo.InvariantCulture)), cancellationToken);

    /// <summary>Releases a domain (privileged): its nodes are deleted and <c>@releaseDomain</c> fires.</summary>
    public Task ReleaseAsync(int domainId, CancellationToken cancellationToken = default) => RequestAsync(XsMessageType.Release, 0, Fields(Number(domainId)), cancellationToken);

    /// <summary>True when the domain is introduced (dom0 always is; privileged).</summary>
    public async Task<bool> IsDomainIntroducedAsync(int domainId, CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync(XsMessageType.IsDomainIntroduced, 0, Fields(Number(domainId)), cancellationToken);
        return FirstField(reply) switch
        {
            "T" => true,
            "F" => false,
            string other => throw new StoreException(StoreError.EIO, $"the store answered IS_DOMAIN_INTRODUCED with '{other}'"),
        };
    }

    /// <summary>The domain's home path, <c>/local/domain/&lt;domid&gt;</c>.</summary>
    public async Task<string> GetDomainPathAsync(int domainId, CancellationToken cancellationToken = default) =>
        FirstField(await RequestAsync(XsMessageType.GetDomainPath, 0, Fields(Number(domainId)), cancellationToken));

    /// <summary>Lets <paramref name="domainId"/> act for <paramref name="targetDomainId"/> (a stub domain for its guest; privileged).</summary>
    public Task SetTargetAsync(int domainId, int targetDomainId, CancellationToken cancellationToken = default) =>
        RequestAsync(XsMessageType.SetTarget, 0, Fields(Number(domainId), Number(targetDomainId)), cancellationToken);

    /// <summary>Closes the connection; requests still waiting throw <see cref="StoreConnectionLostException"/> and the event stream ends.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync();
        await _receiving;
        await _writeTurn.WaitAsync();
        try
        {
            await _transport.Output.CompleteAsync();
            await _transport.Input.CompleteAsync();
        }
        finally
        {
            _writeTurn.Release();
        }

        _socket?.Dispose();
    }

    internal static byte[] Utf8(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Encoding.UTF8.GetBytes(value);
    }

    internal async Task<byte[]> ReadCoreAsync(uint transactionId, string path, CancellationToken cancellationToken) =>
        await RequestAsync(XsMessageType.Read, transactionId, Fields(path), cancellationToken);

    internal async Task<string> ReadStringCoreAsync(uint transactionId, string path, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadCoreAsync(transactionId, path, cancellationToken));

    internal Task WriteCoreAsync(uint transactionId, string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] payload = new byte[Encoding.UTF8.GetByteCount(path) + 1 + value.Length];
        int at = Encoding.UTF8.GetBytes(path, payload);
        payload[at] = 0;
        value.Span.CopyTo(payload.AsSpan(at + 1));
        return RequestAsync(XsMessageType.Write, transactionId, payload, cancellationToken);
    }

    internal Task PathRequestAsync(XsMessageType type, uint transactionId, string path, CancellationToken cancellationToken) =>
        RequestAsync(type, transactionId, Fields(path), cancellationToken);

    internal async Task<IReadOnlyList<string>> DirectoryCoreAsync(uint transactionId, string path, CancellationToken cancellationToken) =>
        AllFields(await RequestAsync(XsMessageType.Directory, transactionId, Fields(path), cancellationToken));

    internal async Task<IReadOnlyList<string>> GetPermissionsCoreAsync(uint transactionId, string path, CancellationToken cancellationToken) =>
        AllFields(await RequestAsync(XsMessageType.GetPerms, transactionId, Fields(path), cancellationToken));

    internal Task SetPermissionsCoreAsync(uint transactionId, string path, IEnumerable<string> permissions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        return RequestAsync(XsMessageType.SetPerms, transactionId, Fields([path, .. permissions]), cancellationToken);
    }

    internal Task EndCoreAsync(uint transactionId, bool commit, CancellationToken cancellationToken) =>
        RequestAsync(XsMessageType.TransactionEnd, transactionId, commit ? "T\0"u8.ToArray() : "F\0"u8.ToArray(), cancellationToken);

    private static byte[] EmptyRequest => [0];

    private async Task<byte[]> RequestAsync(XsMessageType type, uint transactionId, byte[] payload, CancellationToken cancellationToken)
    {
        StoreReply reply = await SendAsync(type, transactionId, payload, cancellationToken);
        if (reply.IsError)
        {
            StoreError error = reply.Error;
            throw new StoreException(error, $"{type} failed: {error}");
        }

        if (reply.Type != type)
        {
            throw new StoreException(StoreError.EIO, $"the store answered {type} with {reply.Type}");
        }

        return reply.Payload;
    }

    private static async Task AbortQuietlyAsync(StoreTransaction transaction)
    {
        if (transaction.IsEnded)
        {
            return;
        }

        try
        {
            await transaction.AbortAsync();
        }
        catch (Exception exception) when (exception is StoreException or StoreConnectionLostException)
        {
            // The body's own failure is what the caller needs to see.
        }
    }

    private async Task ReceiveAsync()
    {
        StoreConnectionLostException lost;
        try
        {
            lost = await ReceiveFramesAsync();
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            lost = new StoreConnectionLostException("the client was closed");
        }
        catch (StoreConnectionLostException exception)
        {
            lost = exception;
        }
        catch (Exception exception)
        {
            lost = new StoreConnectionLostException("receiving from the store failed", exception);
        }

        List<TaskCompletionSource<StoreReply>> waiting;
        lock (_gate)
        {
            _lost = lost;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }

        waiting.ForEach(reply => reply.TrySetException(lost));
        _events.Writer.TryComplete(_closing.IsCancellationRequested ? null : lost);
    }

    private async Task<StoreConnectionLostException> ReceiveFramesAsync()
    {
        PipeReader input = _transport.Input;
        while (true)
        {
            ReadResult result = await input.ReadAsync(_closing.Token);
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (true)
            {
                XsFrameStatus status = XsFrameDecoder.Decode(buffer, out XsHeader header, out ReadOnlySequence<byte> payload, out SequencePosition end);
                if (status == XsFrameStatus.Incomplete)
                {
                    break;
                }

                if (status == XsFrameStatus.TooLarge)
                {
                    return new StoreConnectionLostException($"the store sent a {header.Type} frame of {header.Length} bytes, over the {XsHeader.MaxPayload}-byte limit");
                }

                Dispatch(header, payload.ToArray());
                buffer = buffer.Slice(end);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return new StoreConnectionLostException("the store closed the connection");
            }
        }
    }

    private void Dispatch(in XsHeader header, byte[] payload)
    {
        if (header.Type == XsMessageType.WatchEvent)
        {
            ReadOnlySpan<byte> rest = payload;
            if (XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> path) && XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> token))
            {
                _events.Writer.TryWrite(new WatchEvent(Encoding.UTF8.GetString(path), Encoding.UTF8.GetString(token)));
            }

            return;
        }

        TaskCompletionSource<StoreReply>? reply;
        lock (_gate)
        {
            _pending.Remove(header.RequestId, out reply);
        }

        reply?.TrySetResult(new StoreReply(header.Type, header.TransactionId, payload));
    }

    private uint NextRequestId()
    {
        // Called under _gate. Id 0 is left to events; ids still waiting are skipped after a wrap.
        do
        {
            _lastRequestId++;
        }
        while (_lastRequestId == 0 || _pending.ContainsKey(_lastRequestId));

        return _lastRequestId;
    }

    private void Forget(uint requestId)
    {
        lock (_gate)
        {
            _pending.Remove(requestId);
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Fields(params ReadOnlySpan<string> fields)
    {
        int size = 0;
        foreach (string field in fields)
        {
            ArgumentNullException.ThrowIfNull(field);
            size += Encoding.UTF8.GetByteCount(field) + 1;
        }

        byte[] payload = new byte[size];
        int at = 0;
        foreach (string field in fields)
        {
            at += Encoding.UTF8.GetBytes(field, payload.AsSpan(at));
            payload[at++] = 0;
        }

        return payload;
    }

    private static string FirstField(byte[] payload)
    {
        int nul = Array.IndexOf(payload, (byte)0);
        return Encoding.UTF8.GetString(payload, 0, nul < 0 ? payload.Length : nul);
    }

    private static List<string> AllFields(byte[] payload)
    {
        var fields = new List<string>();
        ReadOnlySpan<byte> rest = payload;
        while (XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> field))
        {
            // Node names are never empty: an empty field is the "no data" reply of a leaf.
            if (!field.IsEmpty)
            {
                fields.Add(Encoding.UTF8.GetString(field));
            }
        }

        return fields;
    }

    private sealed record StreamTransport(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
