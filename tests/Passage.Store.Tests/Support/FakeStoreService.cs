using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Passage.Store.Protocol;

namespace Passage.Store.Tests.Support;

/// <summary>
/// A small store behind <see cref="IStoreService"/> for wire tests: an in-memory key/value answering
/// READ, WRITE, DIRECTORY, WATCH/UNWATCH and transactions with real frames. Durability can be held
/// back ticket by ticket, commits can be told to conflict, and a READ of <c>/throw</c> throws. A
/// transaction's writes stay private until it commits (no conflict detection: that is the engine's).
/// </summary>
internal sealed class FakeStoreService : IStoreService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _values = [];
    private readonly List<(Session Session, string Path, string Token)> _watches = [];
    private readonly List<(long Ticket, TaskCompletionSource Done)> _waiting = [];
    private long _ticket;
    private long _durable = long.MaxValue;

    /// <summary>Domains of every session opened, in order.</summary>
    public ConcurrentQueue<int> Opened { get; } = new();

    /// <summary>Every request handled, in order: type, transaction id and payload as text.</summary>
    public ConcurrentQueue<(XsMessageType Type, uint TransactionId, string Payload)> Requests { get; } = new();

    /// <summary>Sessions disposed so far.</summary>
    public int Disposed => Volatile.Read(ref _disposed);

    /// <summary>Commits still to answer with EAGAIN.</summary>
    public int ConflictsToAnswer { get; set; }

    /// <summary>Commits answered OK.</summary>
    public int Commits { get; private set; }

    /// <summary>Transactions started.</summary>
    public int TransactionsStarted { get; private set; }

    /// <summary>Completes when a connection waits for a ticket that is not durable.</summary>
    public TaskCompletionSource<long> FirstHeldWait { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _disposed;

    /// <summary>From now on nothing is durable until <see cref="MakeDurable"/> says so.</summary>
    public void HoldDurability()
    {
        lock (_gate)
        {
            _durable = _ticket;
        }
    }

    /// <summary>Everything up to now is durable, and stays so from now on.</summary>
    public void MakeDurable()
    {
        List<TaskCompletionSource> release;
        lock (_gate)
        {
            _durable = long.MaxValue;
            release = [.. _waiting.Select(w => w.Done)];
            _waiting.Clear();
        }

        release.ForEach(done => done.TrySetResult());
    }

    public IStoreSession Open(int domainId, IWatchEventSink events)
    {
        Opened.Enqueue(domainId);
        return new Session(this, domainId, events);
    }

    public ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (ticket <= _durable)
            {
                return ValueTask.CompletedTask;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((ticket, done));
        }

        FirstHeldWait.TrySetResult(ticket);
        return new ValueTask(done.Task.WaitAsync(cancellationToken));
    }

    private long Handle(Session session, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        Requests.Enqueue((header.Type, header.TransactionId, Encoding.UTF8.GetString(payload)));
        ReadOnlySpan<byte> rest = payload;
        XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> first);
        string path = Encoding.UTF8.GetString(first);
        List<(IWatchEventSink Sink, string Token)> fire = [];
        long ticket = 0;
        lock (_gate)
        {
            switch (header.Type)
            {
                case XsMessageType.Read when path == "/throw":
                    throw new InvalidOperationException("the store failed");
                case XsMessageType.Read:
                    if ((header.TransactionId != 0 && session.Transactions[header.TransactionId].TryGetValue(path, out byte[]? value)) || _values.TryGetValue(path, out value))
                    {
                        XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, value);
                    }
                    else
                    {
                        XsFrameWriter.WriteError(output, header.RequestId, header.TransactionId, StoreError.ENOENT);
                    }

                    return 0;
                case XsMessageType.Write when header.TransactionId != 0:
                    session.Transactions[header.TransactionId][path] = rest.ToArray();
                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, "OK\0"u8);
                    return 0;
                case XsMessageType.Write:
                    _values[path] = rest.ToArray();
                    ticket = ++_ticket;
                    fire.AddRange(_watches.Where(w => path == w.Path || path.StartsWith(w.Path + "/", StringComparison.Ordinal)).Select(w => ((IWatchEventSink)w.Session.Events, w.Token)));
                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, "OK\0"u8);
                    break;
                case XsMessageType.Directory:
                    var children = new ArrayBufferWriter<byte>();
                    foreach (string key in _values.Keys.Where(k => k.StartsWith(path + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                    {
                        XsPayload.WriteField(children, Encoding.UTF8.GetBytes(key[(path.Length + 1)..]));
                    }

                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, children.WrittenSpan);
                    return 0;
                case XsMessageType.Watch:
                    XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> token);
                    _watches.Add((session, path, Encoding.UTF8.GetString(token)));
                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, "OK\0"u8);
                    XsFrameWriter.WriteWatchEvent(output, first, token);
                    return 0;
                case XsMessageType.Unwatch:
                    XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> unwatchToken);
                    string tokenText = Encoding.UTF8.GetString(unwatchToken);
                    if (_watches.RemoveAll(w => w.Session == session && w.Path == path && w.Token == tokenText) == 0)
                    {
                        XsFrameWriter.WriteError(output, header.RequestId, header.TransactionId, StoreError.ENOENT);
                        return 0;
                    }

                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, "OK\0"u8);
                    return 0;
                case XsMessageType.TransactionStart:
                    TransactionsStarted++;
                    session.Transactions[++session.LastTransaction] = [];
                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, Encoding.ASCII.GetBytes($"{session.LastTransaction}\0"));
                    return 0;
                case XsMessageType.TransactionEnd when ConflictsToAnswer > 0 && path == "T":
                    ConflictsToAnswer--;
                    session.Transactions.Remove(header.TransactionId);
                    XsFrameWriter.WriteError(output, header.RequestId, header.TransactionId, StoreError.EAGAIN);
                    return 0;
                case XsMessageType.TransactionEnd:
                    Commits += path == "T" ? 1 : 0;
                    session.Transactions.Remove(header.TransactionId, out Dictionary<string, byte[]>? writes);
                    foreach (KeyValuePair<string, byte[]> write in path == "T" ? writes! : [])
                    {
                        _values[write.Key] = write.Value;
                    }

                    XsFrameWriter.Write(output, header.Type, header.RequestId, header.TransactionId, "OK\0"u8);
                    return ++_ticket;
                default:
                    XsFrameWriter.WriteError(output, header.RequestId, header.TransactionId, StoreError.ENOSYS);
                    return 0;
            }

            // Delivered under the store's lock, as the engine does.
            foreach ((IWatchEventSink sink, string token) in fire)
            {
                sink.Deliver(first, Encoding.UTF8.GetBytes(token));
            }
        }

        return ticket;
    }

    private void Close(Session session)
    {
        lock (_gate)
        {
            _watches.RemoveAll(w => w.Session == session);
        }

        Interlocked.Increment(ref _disposed);
    }

    private sealed class Session(FakeStoreService store, int domainId, IWatchEventSink events) : IStoreSession
    {
        public int DomainId => domainId;

        public IWatchEventSink Events => events;

        public uint LastTransaction { get; set; }

        public Dictionary<uint, Dictionary<string, byte[]>> Transactions { get; } = [];

        public long Handle(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output) => store.Handle(this, header, payload, output);

        public void Dispose() => store.Close(this);
    }
}
