using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Passage.Store.Persistence;

/// <summary>
/// Committed store state in an embedded SQLite database in WAL mode (store.md §10).
/// <see cref="Append"/> only queues; one writer thread drains the queue and writes everything
/// queued so far in one SQLite transaction (group commit), then completes the waiters of every
/// ticket in that batch. Change sets are written in ticket order, each whole or not at all, so
/// after a crash the database holds exactly the sets up to some ticket. After a write fails the
/// persistence is broken: that batch's waiters and every later one fault with
/// <see cref="SqlitePersistenceException"/> (<see cref="SqlitePersistenceFailure.WriteFailed"/>).
/// </summary>
public sealed class SqlitePersistence : IStorePersistence
{
    private readonly string _path;
    private readonly string _connectionString;
    private readonly SqliteConnection _connection;
    private readonly SqliteBatchWriter _writer;
    private readonly ManualResetEventSlim? _writerHold;

    // How long the writer waits for the waiters of its last batch to queue their next change sets
    // before it commits what it has: those clients are a wake-up or two away, and a commit they
    // miss costs them a whole commit more.
    private readonly long _gatherTicks;
    private readonly Thread _writerThread;
    private readonly object _gate = new(); // a Monitor: the writer waits on it for work

    // Guarded by _gate: the queue, tickets and the completions of the two batches in play.
    private List<StoreChangeSet> _queued = [];
    private List<StoreChangeSet> _writing = [];
    private long _lastTicket;
    private long _durableTicket;
    private long _writingLastTicket;
    private TaskCompletionSource? _writingDone;
    private TaskCompletionSource? _queuedDone;
    private int _queuedWaiters;
    private int _writingWaiters;
    private int _lastBatchWaiters;
    private SqlitePersistenceException? _failure;
    private bool _writerWaiting;
    private bool _stopping;
    private int _disposed;
    private long _commitCount;

    private SqlitePersistence(string path, string connectionString, SqliteConnection connection, SqlitePersistenceOptions options)
    {
        _path = path;
        _connectionString = connectionString;
        _connection = connection;
        _writer = new SqliteBatchWriter(connection);
        _writerHold = options.WriterHold;
        _gatherTicks = (long)Math.Min(options.GatherWindow.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2);
        _writerThread = new Thread(RunWriter) { IsBackground = true, Name = "store-sqlite-writer" };
        _writerThread.Start();
    }

    /// <summary>Batches committed so far: one SQLite transaction each.</summary>
    internal long CommitCount => Interlocked.Read(ref _commitCount);

    /// <summary>
    /// Opens the store database at <paramref name="path"/>, creating it (and its tables) when the
    /// file is missing or empty, and starts the writer.
    /// </summary>
    /// <exception cref="SqlitePersistenceException">The file cannot be opened, is not a store database, or has another schema version.</exception>
    public static SqlitePersistence Open(string path, SqlitePersistenceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SqlitePersistenceOptions();

        // No pooling: Dispose must really close the file, and each persistence owns its connection.
        string connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();

        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            SqliteSchema.Prepare(connection, path);
            Execute(connection, options.Synchronous == SqliteSynchronous.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            if (options.MaxPageCount is long pages)
            {
                Execute(connection, $"PRAGMA max_page_count = {pages}");
            }

            return new SqlitePersistence(path, connectionString, connection, options);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw OpenFailure(path, e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the committed state through a connection of its own (the writer keeps running):
    /// nodes sorted by path, so parents come before their children. Change sets still queued
    /// are not in it.
    /// </summary>
    public StoreImage Load()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            return SqliteImageReader.Read(connection);
        }
        catch (SqliteException e)
        {
            throw new SqlitePersistenceException(SqlitePersistenceFailure.CannotOpen, $"The store database {_path} could not be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Queues <paramref name="changes"/> and returns its ticket (increasing from 1); never waits
    /// for I/O. Once the persistence is broken the set is not queued and its ticket faults.
    /// </summary>
    /// <exception cref="ArgumentException">A child name contains a NUL byte, which the stored form cannot hold.</exception>
    /// <exception cref="ObjectDisposedException">The persistence was disposed.</exception>
    public long Append(StoreChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (PersistedNode node in changes.Upserts)
        {
            if (!SqliteChildNames.AreEncodable(node.Children))
            {
                throw new ArgumentException($"A child name of {node.Path} contains a NUL byte.", nameof(changes));
            }
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            long ticket = ++_lastTicket;
            if (_failure is null)
            {
                _queued.Add(changes);
                if (_writerWaiting)
                {
                    Monitor.Pulse(_gate);
                }
            }

            return ticket;
        }
    }

    /// <summary>
    /// Completes once every change set up to <paramref name="ticket"/> is committed (at once when
    /// it already is); faults with <see cref="SqlitePersistenceException"/> when writing it failed.
    /// Cancelling abandons the wait, not the write.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ticket"/> was never returned by <see cref="Append"/>.</exception>
    public ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default)
    {
        if (ticket <= Volatile.Read(ref _durableTicket))
        {
            return ValueTask.CompletedTask;
        }

        Task done;
        lock (_gate)
        {
            if (ticket <= _durableTicket)
            {
                return ValueTask.CompletedTask;
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThan(ticket, _lastTicket);
            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            if (ticket <= _writingLastTicket)
            {
                done = (_writingDone ??= NewCompletion()).Task;
                _writingWaiters++;
            }
            else
            {
                done = (_queuedDone ??= NewCompletion()).Task;
                Volatile.Write(ref _queuedWaiters, _queuedWaiters + 1);
            }
        }

        return new ValueTask(cancellationToken.CanBeCanceled ? done.WaitAsync(cancellationToken) : done);
    }

    /// <summary>
    /// Writes everything queued (their tickets become durable), stops the writer, checkpoints the
    /// write-ahead log into the database and closes it. Later calls do nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        _writerHold?.Set();
        _writerThread.Join();
        _writer.Dispose();
        if (_failure is null)
        {
            try
            {
                Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
            }
            catch (SqliteException)
            {
                // Closing the last connection checkpoints too; the data is committed either way.
            }
        }

        _connection.Dispose();
    }

    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqlitePersistenceException OpenFailure(string path, SqliteException e) => e.SqliteErrorCode switch
    {
        // SQLITE_NOTADB, SQLITE_CORRUPT
        26 or 11 => new SqlitePersistenceException(SqlitePersistenceFailure.NotAStoreDatabase, $"The file {path} is not a SQLite database (or is damaged).", e),
        _ => new SqlitePersistenceException(SqlitePersistenceFailure.CannotOpen, $"The store database {path} cannot be opened: {e.Message}", e),
    };

    private void RunWriter()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_queued.Count == 0 && !_stopping)
                {
                    _writerWaiting = true;
                    Monitor.Wait(_gate);
                    _writerWaiting = false;
                }

                if (_queued.Count == 0)
                {
                    return;
                }
            }

            _writerHold?.Wait();
            GatherLastBatchWaiters();

            lock (_gate)
            {
                (_queued, _writing) = (_writing, _queued);
                _writingLastTicket = _lastTicket;
                _writingDone = _queuedDone;
                _queuedDone = null;
                _writingWaiters = _queuedWaiters;
                Volatile.Write(ref _queuedWaiters, 0);
            }

            try
            {
                _writer.Write(_writing);
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }

            Interlocked.Increment(ref _commitCount);
            _writing.Clear();
            TaskCompletionSource? done;
            lock (_gate)
            {
                Volatile.Write(ref _durableTicket, _writingLastTicket);
                done = _writingDone;
                _writingDone = null;
                _lastBatchWaiters = _writingWaiters;
            }

            done?.TrySetResult();
        }
    }

    /// <summary>
    /// Group commit under load: when several clients waited on the last batch, give them up to
    /// <see cref="SqlitePersistenceOptions.GatherWindow"/> (200 µs) to queue their next change sets so one commit serves them all
    /// (without it, the writer commits the first arrival alone and batches stay near one set).
    /// A lone client waited on the last batch, so it never waits.
    /// </summary>
    private void GatherLastBatchWaiters()
    {
        int expected = _lastBatchWaiters;
        if (expected <= 1)
        {
            return;
        }

        long deadline = Stopwatch.GetTimestamp() + _gatherTicks;
        var spin = default(SpinWait);
        while (Volatile.Read(ref _queuedWaiters) < expected && Stopwatch.GetTimestamp() < deadline && !Volatile.Read(ref _stopping))
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Fail(Exception cause)
    {
        var failure = new SqlitePersistenceException(
            SqlitePersistenceFailure.WriteFailed,
            $"Writing to the store database {_path} failed, so no change since ticket {Volatile.Read(ref _durableTicket)} is durable: {cause.Message}",
            cause);
        TaskCompletionSource? writing;
        TaskCompletionSource? queued;
        lock (_gate)
        {
            _failure = failure;
            writing = _writingDone;
            queued = _queuedDone;
            _writingDone = null;
            _queuedDone = null;
            _queued.Clear();
            _writing.Clear();
        }

        writing?.TrySetException(failure);
        queued?.TrySetException(failure);
    }
}
