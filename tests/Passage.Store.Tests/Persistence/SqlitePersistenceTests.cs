using System.Text;
using Microsoft.Data.Sqlite;
using Passage.Store.Persistence;

namespace Passage.Store.Tests.Persistence;

public sealed class SqlitePersistenceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("passage-store-").FullName;

    private string DatabasePath => Path.Combine(_directory, "store.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_NewFile_EmptyImageAndVersionedWalSchema()
    {
        using (SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath))
        {
            StoreImage image = persistence.Load();

            Assert.Empty(image.Nodes);
            Assert.Equal(0UL, image.Generation);
            Assert.Empty(image.Domains);
        }

        using SqliteConnection connection = OpenRaw(DatabasePath);
        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
    }

    [Theory]
    [InlineData(SqliteSynchronous.Normal)] // the default: durable against a killed process
    [InlineData(SqliteSynchronous.Full)] // fsync per commit: durable against power loss
    public async Task Append_EveryField_RoundTripsWhileOpenAndAfterReopen(SqliteSynchronous synchronous)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        byte[] allBytes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        byte[] withNuls = [0, 0, (byte)'x', 0, 0xFF, 0];
        PersistedNode[] nodes =
        [
            new("/", [], "n0", ["tool", "local", "a"], 1),
            new("/tool", [], "n0", [], 2),
            new("/local", Encoding.ASCII.GetBytes("v"), "r5,w7,b0,n3", ["zeta", "a-b", "_x", "@y", "0"], 3),
            new("/local/zeta", allBytes, "n0", [], 4),
            new("/local/a-b", withNuls, "b2,r9", [], 5),
            new("/local/_x", [], "w1", [], 6),
            new("/local/@y", [0], "n0", [], ulong.MaxValue - 1),
            new("/local/0", Encoding.ASCII.GetBytes("zero"), "n0", [], (ulong)long.MaxValue + 5),
            new("/a", [], "n0", [], 9),
        ];
        IntroducedDomain[] domains = [new(1, 0x1234_5678_9ABC_DEF0, 7), new(7, ulong.MaxValue, uint.MaxValue), new(3, 0, 0)];
        var options = new SqlitePersistenceOptions { Synchronous = synchronous };

        StoreImage whileOpen;
        using (SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, options))
        {
            long ticket = persistence.Append(new StoreChangeSet(nodes, [], ulong.MaxValue - 1, domains));
            await persistence.WaitDurableAsync(ticket, ct).AsTask().WaitAsync(Patience, ct);
            whileOpen = persistence.Load();
        }

        StoreImage reopened;
        using (SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, options))
        {
            reopened = persistence.Load();
        }

        foreach (StoreImage image in new[] { whileOpen, reopened })
        {
            AssertNodes(nodes, image);
            Assert.Equal(ulong.MaxValue - 1, image.Generation);
            Assert.Equal(domains.OrderBy(d => d.DomainId), image.Domains);
        }
    }

    [Fact]
    public async Task Append_SubtreeDeletes_RemovesEveryNamedPathOnly()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);
        persistence.Append(new StoreChangeSet(
            [
                Node("/", 1, "a", "d"), Node("/a", 1, "b"), Node("/a/b", 1, "c"), Node("/a/b/c", 1), Node("/d", 1, "e"), Node("/d/e", 1),
            ],
            [],
            1));
        long ticket = persistence.Append(new StoreChangeSet([Node("/", 2, "d")], ["/a/b/c", "/a/b", "/a"], 2));

        await persistence.WaitDurableAsync(ticket, ct).AsTask().WaitAsync(Patience, ct);

        StoreImage image = persistence.Load();
        Assert.Equal(["/", "/d", "/d/e"], image.Nodes.Select(n => n.Path));
        Assert.Equal(["d"], image.Nodes[0].Children);
        Assert.Equal(2UL, image.Generation);
    }

    [Fact]
    public async Task Append_SetDeletingAndRecreatingPath_EndsWithRecreatedNode()
    {
        // RM /x then WRITE /x in one transaction: the path is in both lists; deletes run first.
        CancellationToken ct = TestContext.Current.CancellationToken;
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);
        persistence.Append(new StoreChangeSet([Node("/", 1, "x"), Node("/x", 1, "c"), Node("/x/c", 1)], [], 1));
        var recreated = new PersistedNode("/x", Encoding.ASCII.GetBytes("new"), "n0", [], 2);
        long ticket = persistence.Append(new StoreChangeSet([recreated], ["/x/c", "/x"], 2));

        await persistence.WaitDurableAsync(ticket, ct).AsTask().WaitAsync(Patience, ct);

        StoreImage image = persistence.Load();
        Assert.Equal(["/", "/x"], image.Nodes.Select(n => n.Path));
        PersistedNode x = image.Nodes[1];
        Assert.Equal("new"u8.ToArray(), x.Value);
        Assert.Empty(x.Children);
        Assert.Equal(2UL, x.Generation);
    }

    [Fact]
    public async Task Append_LaterSetOfSameBatch_OverwritesEarlierRows()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var hold = new ManualResetEventSlim(false);
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { WriterHold = hold });
        persistence.Append(new StoreChangeSet([Node("/k", 1)], [], 1, [new(1, 1, 1)]));
        persistence.Append(new StoreChangeSet([new PersistedNode("/k", [2], "n0", [], 2)], [], 2));
        persistence.Append(new StoreChangeSet([], ["/k"], 3, [new(2, 2, 2)]));
        long ticket = persistence.Append(new StoreChangeSet([new PersistedNode("/k", [4], "r1", [], 4)], [], 4));

        hold.Set();
        await persistence.WaitDurableAsync(ticket, ct).AsTask().WaitAsync(Patience, ct);

        StoreImage image = persistence.Load();
        PersistedNode k = Assert.Single(image.Nodes);
        Assert.Equal(new byte[] { 4 }, k.Value);
        Assert.Equal("r1", k.Permissions);
        Assert.Equal(4UL, image.Generation);
        Assert.Equal([new IntroducedDomain(2, 2, 2)], image.Domains);
    }

    [Fact]
    public async Task WaitDurable_LastBatchHadThreeWaiters_NextCommitWaitsForAllThree()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var hold = new ManualResetEventSlim(false);
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { WriterHold = hold, GatherWindow = TimeSpan.FromHours(1) });
        Task[] first = [.. Enumerable.Range(1, 3).Select(i => persistence.WaitDurableAsync(persistence.Append(new StoreChangeSet([Node($"/a{i}", (ulong)i)], [], (ulong)i)), ct).AsTask())];
        hold.Set();
        await Task.WhenAll(first).WaitAsync(Patience, ct);
        long commitsBefore = persistence.CommitCount;

        // Three clients waited on that batch: the writer holds the first of their next sets for the other two.
        Task a = persistence.WaitDurableAsync(persistence.Append(new StoreChangeSet([Node("/b1", 4)], [], 4)), ct).AsTask();
        await Task.Delay(200, ct);
        bool aloneCommitted = a.IsCompleted;
        Task b = persistence.WaitDurableAsync(persistence.Append(new StoreChangeSet([Node("/b2", 5)], [], 5)), ct).AsTask();
        Task c = persistence.WaitDurableAsync(persistence.Append(new StoreChangeSet([Node("/b3", 6)], [], 6)), ct).AsTask();
        await Task.WhenAll(a, b, c).WaitAsync(Patience, ct);

        Assert.False(aloneCommitted);
        Assert.Equal(commitsBefore + 1, persistence.CommitCount);
        Assert.Equal(6, persistence.Load().Nodes.Count(n => n.Path.Length == 3));
    }

    [Fact]
    public async Task WaitDurable_LoneClient_CommittedWithoutGathering()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { GatherWindow = TimeSpan.FromHours(1) });
        long commitsBefore = persistence.CommitCount;

        // Each wait would last the hour-long window if a lone client were made to wait for others.
        for (int i = 1; i <= 5; i++)
        {
            await persistence.WaitDurableAsync(persistence.Append(new StoreChangeSet([Node($"/n{i}", (ulong)i)], [], (ulong)i)), ct).AsTask().WaitAsync(Patience, ct);
        }

        Assert.Equal(commitsBefore + 5, persistence.CommitCount);
    }

    [Fact]
    public async Task Append_ManySetsWhileWriterHeld_OneCommitCompletesAll()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var hold = new ManualResetEventSlim(false);
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { WriterHold = hold });
        long commitsBefore = persistence.CommitCount;

        Task[] waits = new Task[8];
        for (int i = 0; i < waits.Length; i++)
        {
            long ticket = persistence.Append(new StoreChangeSet([Node($"/n{i}", (ulong)i + 1)], [], (ulong)i + 1));
            waits[i] = persistence.WaitDurableAsync(ticket, ct).AsTask();
        }

        Assert.All(waits, w => Assert.False(w.IsCompleted));
        hold.Set();
        await Task.WhenAll(waits).WaitAsync(Patience, ct);

        Assert.Equal(commitsBefore + 1, persistence.CommitCount);
        Assert.Equal(8, persistence.Load().Nodes.Count);
    }

    [Fact]
    public void Append_Tickets_IncreaseFromOne()
    {
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);

        long[] tickets = [.. Enumerable.Range(1, 5).Select(i => persistence.Append(new StoreChangeSet([Node("/t", (ulong)i)], [], (ulong)i)))];

        Assert.Equal([1L, 2, 3, 4, 5], tickets);
    }

    [Fact]
    public async Task WaitDurableAsync_ManySets_EarlierTicketsDurableWhenLaterCompletes()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);
        const int Count = 400;
        Task[] checks = new Task[Count];
        int outOfOrder = 0;
        for (int i = 0; i < Count; i++)
        {
            long ticket = persistence.Append(new StoreChangeSet([Node($"/n{i % 50}", (ulong)i + 1)], [], (ulong)i + 1));
            checks[i] = persistence.WaitDurableAsync(ticket, ct).AsTask().ContinueWith(
                t =>
                {
                    // Once a ticket is reported durable, every earlier ticket already is.
                    if (ticket > 1 && !CompletedAtOnce(persistence.WaitDurableAsync(ticket - 1, CancellationToken.None)))
                    {
                        Interlocked.Increment(ref outOfOrder);
                    }

                    t.GetAwaiter().GetResult();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        await Task.WhenAll(checks).WaitAsync(Patience, ct);

        Assert.Equal(0, outOfOrder);
        Assert.Equal((ulong)Count, persistence.Load().Generation);
        Assert.InRange(persistence.CommitCount, 1, Count);
    }

    [Fact]
    public async Task WaitDurableAsync_TicketAlreadyDurable_CompletesAtOnce()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);
        long first = persistence.Append(new StoreChangeSet([Node("/a", 1)], [], 1));
        long second = persistence.Append(new StoreChangeSet([Node("/b", 2)], [], 2));
        await persistence.WaitDurableAsync(second, ct).AsTask().WaitAsync(Patience, ct);

        Assert.True(CompletedAtOnce(persistence.WaitDurableAsync(first, ct)));
    }

    [Fact]
    public async Task WaitDurableAsync_Cancelled_WaitEndsButSetStillBecomesDurable()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var hold = new ManualResetEventSlim(false);
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { WriterHold = hold });
        long ticket = persistence.Append(new StoreChangeSet([Node("/c", 1)], [], 1));
        using var cancel = new CancellationTokenSource();

        Task abandoned = persistence.WaitDurableAsync(ticket, cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Patience, ct));
        hold.Set();
        await persistence.WaitDurableAsync(ticket, ct).AsTask().WaitAsync(Patience, ct);
        Assert.Equal("/c", Assert.Single(persistence.Load().Nodes).Path);
    }

    [Fact]
    public void WaitDurableAsync_TicketNeverIssued_Throws()
    {
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);
        persistence.Append(new StoreChangeSet([Node("/a", 1)], [], 1));

        Assert.Throws<ArgumentOutOfRangeException>(() => CompletedAtOnce(persistence.WaitDurableAsync(2, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void Append_ChildNameWithNul_RejectedWithoutBreakingTheStore()
    {
        using SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath);

        Assert.Throws<ArgumentException>(() => persistence.Append(new StoreChangeSet([Node("/", 1, "a\0b")], [], 1)));
        Assert.Equal(1L, persistence.Append(new StoreChangeSet([Node("/", 1)], [], 1)));
    }

    [Fact]
    public void Dispose_PendingSets_DurableAndReopenGivesSameImage()
    {
        using var hold = new ManualResetEventSlim(false);
        SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { WriterHold = hold });
        persistence.Append(new StoreChangeSet([Node("/", 1, "p"), Node("/p", 1)], [], 1, [new(4, 40, 400)]));
        long last = persistence.Append(new StoreChangeSet([new PersistedNode("/p", [9, 0, 9], "n0", [], 2)], [], 2));
        Task wait = persistence.WaitDurableAsync(last, TestContext.Current.CancellationToken).AsTask();
        Assert.False(wait.IsCompleted);

        persistence.Dispose();
        persistence.Dispose();

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Throws<ObjectDisposedException>(() => persistence.Append(new StoreChangeSet([], [], 3)));
        Assert.False(File.Exists(DatabasePath + "-wal") && new FileInfo(DatabasePath + "-wal").Length > 0, "the log is checkpointed on close");
        using SqlitePersistence reopened = SqlitePersistence.Open(DatabasePath);
        StoreImage image = reopened.Load();
        Assert.Equal(["/", "/p"], image.Nodes.Select(n => n.Path));
        Assert.Equal(new byte[] { 9, 0, 9 }, image.Nodes[1].Value);
        Assert.Equal(2UL, image.Generation);
        Assert.Equal([new IntroducedDomain(4, 40, 400)], image.Domains);
    }

    [Theory]
    [InlineData(2)] // a later version
    [InlineData(-1)] // a nonsense version
    public void Open_OtherSchemaVersion_SchemaVersionError(int version)
    {
        using (SqliteConnection connection = OpenRaw(DatabasePath))
        {
            Execute(connection, $"CREATE TABLE node (path TEXT); PRAGMA user_version = {version}");
        }

        SqlitePersistenceException e = Assert.Throws<SqlitePersistenceException>(() => SqlitePersistence.Open(DatabasePath));

        Assert.Equal(SqlitePersistenceFailure.SchemaVersion, e.Failure);
        AssertOneSentenceNaming(e.Message, DatabasePath);
        Assert.Contains($"version {version}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TextFile_NotAStoreDatabaseError()
    {
        File.WriteAllText(DatabasePath, string.Concat(Enumerable.Repeat("node /a = b\n", 100)));

        SqlitePersistenceException e = Assert.Throws<SqlitePersistenceException>(() => SqlitePersistence.Open(DatabasePath));

        Assert.Equal(SqlitePersistenceFailure.NotAStoreDatabase, e.Failure);
        AssertOneSentenceNaming(e.Message, DatabasePath);
        Assert.StartsWith("node /a = b", File.ReadAllText(DatabasePath), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ForeignSqliteDatabase_NotAStoreDatabaseErrorAndFileUntouched()
    {
        using (SqliteConnection connection = OpenRaw(DatabasePath))
        {
            Execute(connection, "CREATE TABLE photos (id INTEGER)");
        }

        SqlitePersistenceException e = Assert.Throws<SqlitePersistenceException>(() => SqlitePersistence.Open(DatabasePath));

        Assert.Equal(SqlitePersistenceFailure.NotAStoreDatabase, e.Failure);
        AssertOneSentenceNaming(e.Message, DatabasePath);
        using SqliteConnection check = OpenRaw(DatabasePath);
        Assert.Equal("delete", Scalar(check, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Open_MissingDirectory_CannotOpenError()
    {
        string path = Path.Combine(_directory, "missing", "store.db");

        SqlitePersistenceException e = Assert.Throws<SqlitePersistenceException>(() => SqlitePersistence.Open(path));

        Assert.Equal(SqlitePersistenceFailure.CannotOpen, e.Failure);
        AssertOneSentenceNaming(e.Message, path);
    }

    [Fact]
    public async Task WaitDurableAsync_DiskFull_FaultsBatchAndLaterAppendsKeepsEarlierState()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        SqlitePersistence.Open(DatabasePath).Dispose();

        // The database may grow by a few pages only: a large value fails like a full disk does.
        using (SqlitePersistence persistence = SqlitePersistence.Open(DatabasePath, new SqlitePersistenceOptions { MaxPageCount = 16 }))
        {
            long small = persistence.Append(new StoreChangeSet([Node("/", 1, "small"), Node("/small", 1)], [], 1));
            await persistence.WaitDurableAsync(small, ct).AsTask().WaitAsync(Patience, ct);

            long large = persistence.Append(new StoreChangeSet([new PersistedNode("/large", new byte[256 * 1024], "n0", [], 2)], [], 2));
            SqlitePersistenceException failed = await Assert.ThrowsAsync<SqlitePersistenceException>(
                () => persistence.WaitDurableAsync(large, ct).AsTask().WaitAsync(Patience, ct));
            long later = persistence.Append(new StoreChangeSet([Node("/later", 3)], [], 3));
            SqlitePersistenceException laterFailed = await Assert.ThrowsAsync<SqlitePersistenceException>(
                () => persistence.WaitDurableAsync(later, ct).AsTask().WaitAsync(Patience, ct));

            Assert.Equal(SqlitePersistenceFailure.WriteFailed, failed.Failure);
            Assert.Equal(13, Assert.IsType<SqliteException>(failed.InnerException).SqliteErrorCode); // SQLITE_FULL
            Assert.Equal(SqlitePersistenceFailure.WriteFailed, laterFailed.Failure);
            Assert.True(CompletedAtOnce(persistence.WaitDurableAsync(small, ct)));
            Assert.Equal(1L, persistence.CommitCount);
        }

        using SqlitePersistence reopened = SqlitePersistence.Open(DatabasePath);
        StoreImage image = reopened.Load();
        Assert.Equal(["/", "/small"], image.Nodes.Select(n => n.Path));
        Assert.Equal(1UL, image.Generation);
    }

    private static PersistedNode Node(string path, ulong generation, params string[] children) =>
        new(path, Encoding.ASCII.GetBytes(path), "n0", children, generation);

    private static bool CompletedAtOnce(ValueTask wait) => wait.IsCompletedSuccessfully;

    private static void AssertNodes(PersistedNode[] expected, StoreImage image)
    {
        Assert.Equal(expected.Select(n => n.Path).Order(StringComparer.Ordinal), image.Nodes.Select(n => n.Path));
        foreach (PersistedNode node in expected)
        {
            PersistedNode loaded = image.Nodes.Single(n => n.Path == node.Path);
            Assert.Equal(node.Value, loaded.Value);
            Assert.Equal(node.Permissions, loaded.Permissions);
            Assert.Equal(node.Children, loaded.Children);
            Assert.Equal(node.Generation, loaded.Generation);
        }
    }

    private static void AssertOneSentenceNaming(string message, string path)
    {
        Assert.Contains(path, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.EndsWith(".", message, StringComparison.Ordinal);
    }

    private static SqliteConnection OpenRaw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
