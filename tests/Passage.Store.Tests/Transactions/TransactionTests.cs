using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Transactions;

/// <summary>Transactions (store.md §7): client rules, every row of the §7.2 conflict table, snapshots and version pruning.</summary>
public sealed class TransactionTests
{
    [Fact]
    public void Start_FirstIds_CountFromOneAndReplyDecimalWithNul()
    {
        using var store = new StoreFixture();

        Frame first = store.Dom0.Send(XsMessageType.TransactionStart, "\0"u8);
        Frame second = store.Dom0.Send(XsMessageType.TransactionStart, []);

        Assert.Equal("1|", first.Text);
        Assert.Equal("2|", second.Text);
    }

    [Fact]
    public void Start_IdsAreConnectionLocal()
    {
        using var store = new StoreFixture();
        using TestClient other = store.Connect(0);

        Assert.Equal(1u, store.Dom0.Start());
        Assert.Equal(1u, other.Start());
    }

    [Fact]
    public void Start_WithOpenTransactionId_Ebusy()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();

        Assert.Equal(StoreError.EBUSY, store.Dom0.Send(XsMessageType.TransactionStart, "\0"u8, tx).Error);
    }

    [Fact]
    public void Start_WithUnknownId_Enoent()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.ENOENT, store.Dom0.Send(XsMessageType.TransactionStart, "\0"u8, 7).Error);
    }

    [Fact]
    public void Start_FortyOnOneDom0Connection_AllOpen()
    {
        using var store = new StoreFixture();

        uint[] ids = [.. Enumerable.Range(0, 40).Select(_ => store.Dom0.Start())];

        Assert.Equal(40, ids.Distinct().Count());
        Assert.Equal(40, store.Engine.OpenTransactions);
    }

    [Fact]
    public void Commit_Writes_VisibleAfterwardsAsOneChangeSet()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();
        store.Dom0.Write("/t/a", "1", tx);
        store.Dom0.Write("/t/b", "2", tx);
        int appended = store.Persistence.Appended.Count;

        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/t/a"));
        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        Assert.Equal(appended + 1, store.Persistence.Appended.Count);
        Assert.Equal(store.Persistence.Appended.Count, store.Dom0.LastTicket);
        Assert.Equal(["/", "/t", "/t/a", "/t/b"], store.Persistence.Last.Upserts.Select(n => n.Path).Order(StringComparer.Ordinal));
        Assert.Equal("1", store.Dom0.Read("/t/a"));
        Assert.Equal("2", store.Dom0.Read("/t/b"));
    }

    [Fact]
    public void Transaction_ReadsItsOwnWrites()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();

        store.Dom0.Write("/t/a", "mine", tx);

        Assert.Equal("mine", store.Dom0.Read("/t/a", tx));
        Assert.Equal(["a"], store.Dom0.Directory("/t", tx));
    }

    [Fact]
    public void Abort_Writes_DiscardedNothingAppended()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();
        store.Dom0.Write("/t/a", "1", tx);
        int appended = store.Persistence.Appended.Count;

        Assert.Equal(StoreError.None, store.Dom0.Abort(tx));

        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/t/a"));
        Assert.Equal(StoreError.ENOENT, store.Dom0.Commit(tx));
    }

    [Theory]
    [InlineData("X\0")] // unknown letter
    [InlineData("")] // nothing
    [InlineData("TT\0")] // more than one letter
    public void End_OtherPayload_EinvalAndStaysOpen(string payload)
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();
        store.Dom0.Write("/t", "1", tx);

        Assert.Equal(StoreError.EINVAL, store.Dom0.Send(XsMessageType.TransactionEnd, System.Text.Encoding.ASCII.GetBytes(payload), tx).Error);

        Assert.Equal("1", store.Dom0.Read("/t", tx));
        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));
        Assert.Equal("1", store.Dom0.Read("/t"));
    }

    [Fact]
    public void End_UnknownOrZeroId_Enoent()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.ENOENT, store.Dom0.Commit(0));
        Assert.Equal(StoreError.ENOENT, store.Dom0.Commit(5));
    }

    [Fact]
    public void Request_WithFinishedTransactionId_Enoent()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();
        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        Assert.Equal(StoreError.ENOENT, store.Dom0.TryWrite("/a", "1", tx));
    }

    [Fact]
    public void ResetWatches_OpenTransactions_Discarded()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();
        store.Dom0.Write("/t", "1", tx);

        Assert.Equal("OK|", store.Dom0.Send(XsMessageType.ResetWatches, "\0"u8).Text);

        Assert.Equal(StoreError.ENOENT, store.Dom0.Commit(tx));
        Assert.Equal(0, store.Engine.OpenTransactions);
    }

    [Fact]
    public void Dispose_OpenTransactions_DiscardedAndVersionsPruned()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        TestClient other = store.Connect(0);
        uint tx = other.Start();
        Assert.Equal("0", other.Read("/x", tx));
        store.Dom0.Write("/x", "1");
        Assert.Equal(1, store.Engine.Tree.VersionedPaths);

        other.Dispose();

        Assert.Equal(0, store.Engine.OpenTransactions);
        Assert.Equal(0, store.Engine.Tree.VersionedPaths);
    }

    // §7.2 table, row by row (Passage column).

    [Fact]
    public void Conflict_BothReadAndWriteX_SecondEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        store.Dom0.Write("/x", store.Dom0.Read("/x", ta) + "a", ta);
        b.Write("/x", b.Read("/x", tb) + "b", tb);

        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        Assert.Equal(StoreError.EAGAIN, b.Commit(tb));
        Assert.Equal("0a", store.Dom0.Read("/x"));
    }

    [Fact]
    public void Conflict_BothBlindWriteExistingX_SecondEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        store.Dom0.Write("/x", "a", ta);
        b.Write("/x", "b", tb);

        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        int appended = store.Persistence.Appended.Count;
        Assert.Equal(StoreError.EAGAIN, b.Commit(tb));
        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal("a", store.Dom0.Read("/x"));
    }

    [Fact]
    public void Conflict_AReadsXWritesW_BWritesXFirst_AEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        store.Dom0.Write("/w", "0");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        store.Dom0.Read("/x", ta);
        store.Dom0.Write("/w", "a", ta);
        b.Write("/x", "b", tb);

        Assert.Equal(StoreError.None, b.Commit(tb));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(ta));
        Assert.Equal("0", store.Dom0.Read("/w"));
    }

    [Fact]
    public void Conflict_AReadsXWritesW_BWritesUnrelatedU_BothOk()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        store.Dom0.Write("/w", "0");
        store.Dom0.Write("/u", "0");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        store.Dom0.Read("/x", ta);
        store.Dom0.Write("/w", "a", ta);
        b.Write("/u", "b", tb);

        Assert.Equal(StoreError.None, b.Commit(tb));
        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        Assert.Equal("a", store.Dom0.Read("/w"));
        Assert.Equal("b", store.Dom0.Read("/u"));
    }

    [Fact]
    public void Conflict_BothCreateDifferentChildrenOfD_SecondEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/d");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        store.Dom0.Write("/d/p", "a", ta);
        b.Write("/d/q", "b", tb);

        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        Assert.Equal(StoreError.EAGAIN, b.Commit(tb));
        Assert.Equal(["p"], store.Dom0.Directory("/d"));
    }

    [Fact]
    public void Conflict_AReadsMissingN_BCreatesNFirst_AEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/d");
        store.Dom0.Write("/other", "");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/d/n", ta));
        store.Dom0.Write("/other", "a", ta);
        b.Write("/d/n", "b", tb);

        Assert.Equal(StoreError.None, b.Commit(tb));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(ta));
    }

    [Fact]
    public void Conflict_AListsD_BAddsChildFirst_AEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/d/p", "");
        store.Dom0.Write("/other", "");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        Assert.Equal(["p"], store.Dom0.Directory("/d", ta));
        store.Dom0.Write("/other", "a", ta);
        b.Write("/d/q", "", tb);

        Assert.Equal(StoreError.None, b.Commit(tb));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(ta));
    }

    [Fact]
    public void Conflict_AReadsX_NonTransactionalWriteFirst_AEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        store.Dom0.Write("/w", "0");
        uint ta = store.Dom0.Start();
        store.Dom0.Read("/x", ta);
        store.Dom0.Write("/w", "a", ta);

        store.Dom0.Write("/x", "outside");

        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(ta));
        Assert.Equal("0", store.Dom0.Read("/w"));
    }

    [Fact]
    public void Conflict_ARemovesX_BWritesX_SecondEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x/child", "0");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        Assert.Equal(StoreError.None, store.Dom0.Rm("/x", ta));
        b.Write("/x", "b", tb);

        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        Assert.Equal(StoreError.EAGAIN, b.Commit(tb));
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/x"));
    }

    [Fact]
    public void Conflict_BWritesXFirst_ARemovesX_SecondEagain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        using TestClient b = store.Connect(0);
        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        Assert.Equal(StoreError.None, store.Dom0.Rm("/x", ta));
        b.Write("/x", "b", tb);

        Assert.Equal(StoreError.None, b.Commit(tb));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(ta));
        Assert.Equal("b", store.Dom0.Read("/x"));
    }

    [Fact]
    public void Conflict_TwoTransactionsOnOneConnection_SameRules()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        store.Dom0.Write("/y", "0");
        uint t1 = store.Dom0.Start();
        uint t2 = store.Dom0.Start();
        uint t3 = store.Dom0.Start();
        store.Dom0.Write("/x", store.Dom0.Read("/x", t1) + "1", t1);
        store.Dom0.Write("/x", store.Dom0.Read("/x", t2) + "2", t2);
        store.Dom0.Write("/y", store.Dom0.Read("/y", t3) + "3", t3);

        Assert.Equal(StoreError.None, store.Dom0.Commit(t1));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(t2));
        Assert.Equal(StoreError.None, store.Dom0.Commit(t3));
        Assert.Equal("01", store.Dom0.Read("/x"));
        Assert.Equal("03", store.Dom0.Read("/y"));
    }

    [Fact]
    public void Conflict_DeleteNeverSeenNode_NoOpWithoutConflict()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/d");
        store.Dom0.Write("/x", "");
        uint ta = store.Dom0.Start();
        int appended = store.Persistence.Appended.Count;
        Assert.Equal(StoreError.None, store.Dom0.Rm("/d/ghost", ta));
        store.Dom0.Write("/x", "a", ta);

        store.Dom0.Write("/elsewhere", "unrelated");

        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        Assert.Equal(appended + 2, store.Persistence.Appended.Count);
        Assert.DoesNotContain("/d/ghost", store.Persistence.Last.Deletes);
        Assert.Equal(["/x"], store.Persistence.Last.Upserts.Select(n => n.Path));
    }

    [Fact]
    public void Commit_OnlyReads_NoChangeSet()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        uint tx = store.Dom0.Start();
        store.Dom0.Read("/x", tx);
        int appended = store.Persistence.Appended.Count;

        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal(0, store.Dom0.LastTicket);
    }

    [Fact]
    public void Commit_RemovedSubtree_OneChangeSetListsEveryPath()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a/b/c", "");
        store.Dom0.Write("/a/d", "");
        uint tx = store.Dom0.Start();
        Assert.Equal(StoreError.None, store.Dom0.Rm("/a", tx));

        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        Assert.Equal(["/a", "/a/b", "/a/b/c", "/a/d"], store.Persistence.Last.Deletes.Order(StringComparer.Ordinal));
        Assert.Equal(["/"], store.Persistence.Last.Upserts.Select(n => n.Path));
    }

    [Fact]
    public void Commit_ChangedNodes_FreshGenerationsAboveStart()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        uint tx = store.Dom0.Start();
        ulong start = store.Engine.Generation;
        store.Dom0.Write("/x", "1", tx);

        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        StoreChangeSet last = store.Persistence.Last;
        Assert.True(last.Upserts.Single().Generation > start);
        Assert.Equal(last.Upserts.Single().Generation, store.Engine.Tree.Head("/x")!.Generation);
    }

    // The snapshot rule (issue: a transaction sees the store as of its start plus its own writes).

    [Fact]
    public void Snapshot_CommitAfterStart_NotSeenThenCommitFails()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "old");
        store.Dom0.Write("/d/a", "");
        uint tx = store.Dom0.Start();

        store.Dom0.Write("/x", "new");
        store.Dom0.Write("/d/b", "");
        store.Dom0.Rm("/d/a");
        store.Dom0.Write("/fresh", "");

        Assert.Equal("old", store.Dom0.Read("/x", tx));
        Assert.Equal(["a"], store.Dom0.Directory("/d", tx));
        Assert.Equal("", store.Dom0.Read("/d/a", tx));
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/fresh", tx));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(tx));
    }

    [Fact]
    public void Snapshot_UntouchedNodeChangedBeforeFirstRead_ReadSeesStartValue()
    {
        // C xenstored would record the node at its first touch and see "new"; the snapshot keeps the start.
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "old");
        store.Dom0.Write("/y", "old");
        uint tx = store.Dom0.Start();
        store.Dom0.Read("/y", tx);

        store.Dom0.Write("/x", "new");

        Assert.Equal("old", store.Dom0.Read("/x", tx));
        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(tx));
    }

    [Fact]
    public void Snapshot_VersionsKeptWhileOpen_PrunedWhenTransactionsEnd()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/x", "0");
        store.Dom0.Write("/gone", "0");
        uint early = store.Dom0.Start();
        store.Dom0.Write("/x", "1");
        uint late = store.Dom0.Start();
        store.Dom0.Write("/x", "2");
        store.Dom0.Rm("/gone");

        Assert.Equal("0", store.Dom0.Read("/x", early));
        Assert.Equal("1", store.Dom0.Read("/x", late));
        Assert.Equal("0", store.Dom0.Read("/gone", early));
        // x@0 and x@1, the tombstone of /gone and its old version, and "/" before /gone left its child list.
        Assert.Equal(5, store.Engine.Tree.RetainedVersions);
        Assert.Equal(StoreError.None, store.Dom0.Abort(early));

        Assert.Equal("1", store.Dom0.Read("/x", late));
        Assert.Equal(StoreError.None, store.Dom0.Abort(late));

        Assert.Equal(0, store.Engine.Tree.VersionedPaths);
        Assert.Equal(0, store.Engine.Tree.RetainedVersions);
        Assert.Null(store.Engine.Tree.At("/gone", 0));
        Assert.Equal("2", store.Dom0.Read("/x"));
    }

    [Fact]
    public void Snapshot_NoOpenTransaction_NoVersionsKept()
    {
        using var store = new StoreFixture();

        for (int i = 0; i < 100; i++)
        {
            store.Dom0.Write("/x", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            store.Dom0.Write("/y/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "");
            store.Dom0.Rm("/y");
        }

        Assert.Equal(0, store.Engine.Tree.VersionedPaths);
        Assert.Equal(0, store.Engine.Tree.RetainedVersions);
    }

    [Fact]
    public void LibxlRace_TwoAttachesReadNumDevs_SecondEagainRerunReadsNewCount()
    {
        using var store = new StoreFixture();
        using TestClient b = store.Connect(0);
        const string Base = "/local/domain/0/backend/pci/5/0";
        store.Dom0.Write(Base + "/num_devs", "0");

        uint ta = store.Dom0.Start();
        uint tb = b.Start();
        Attach(store.Dom0, ta, "A");
        Attach(b, tb, "B");

        Assert.Equal(StoreError.None, store.Dom0.Commit(ta));
        Assert.Equal(StoreError.EAGAIN, b.Commit(tb));

        uint rerun = b.Start();
        Assert.Equal("1", b.Read(Base + "/num_devs", rerun));
        Attach(b, rerun, "B");
        Assert.Equal(StoreError.None, b.Commit(rerun));

        Assert.Equal("2", store.Dom0.Read(Base + "/num_devs"));
        Assert.Equal("A", store.Dom0.Read(Base + "/dev-0"));
        Assert.Equal("B", store.Dom0.Read(Base + "/dev-1"));

        static void Attach(TestClient client, uint tx, string device)
        {
            int count = int.Parse(client.Read(Base + "/num_devs", tx), System.Globalization.CultureInfo.InvariantCulture);
            client.Write($"{Base}/dev-{count}", device, tx);
            client.Write(Base + "/num_devs", (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), tx);
        }
    }
}
