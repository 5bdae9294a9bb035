using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Engine;

/// <summary>Change sets handed to the persistence and reloading from an image (store.md §10).</summary>
public sealed class StoreEnginePersistenceTests
{
    [Fact]
    public void Append_TicketsFollowCommitOrder()
    {
        using var store = new StoreFixture();
        using TestClient other = store.Connect(0);
        store.Dom0.Write("/a", "0");
        store.Dom0.Write("/t", "0");
        store.Dom0.Write("/b", "0");
        uint tx = other.Start();
        other.Write("/t", "tx", tx);

        store.Dom0.Write("/a", "1");
        long first = store.Dom0.LastTicket;
        Assert.Equal(StoreError.None, other.Commit(tx));
        long second = other.LastTicket;
        store.Dom0.Write("/b", "2");
        long third = store.Dom0.LastTicket;

        Assert.Equal([first, second, third], [first, first + 1, first + 2]);
        Assert.Equal(["/a", "/t", "/b"], store.Persistence.Appended.Skip((int)first - 1).Select(a => a.Changes.Upserts.Single().Path));
        Assert.True(store.Persistence.Appended.Zip(store.Persistence.Appended.Skip(1)).All(p => p.First.Changes.Generation < p.Second.Changes.Generation));
    }

    [Fact]
    public void Append_FailedRequests_NothingAppended()
    {
        using var store = new StoreFixture();
        using TestClient five = store.Connect(5);
        int appended = store.Persistence.Appended.Count;

        Assert.Equal(StoreError.EACCES, five.TryWrite("/x", "v"));
        Assert.Equal(StoreError.EINVAL, store.Dom0.TryWrite("/x/", "v"));
        Assert.Equal(StoreError.EINVAL, store.Dom0.SetPerms("/tool", "q1"));

        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal(0, store.Dom0.LastTicket);
    }

    [Fact]
    public void Load_ReplayedChangeSets_SameTreeGenerationsAndDomains()
    {
        var persistence = new RecordingPersistence();
        List<string> before;
        ulong generation;
        using (var engine = new StoreEngine(persistence))
        {
            using var dom0 = new TestClient(engine, 0);
            dom0.Write("/a/b/c", "1");
            dom0.Write("/a/d", "\u0001\u0000x");
            dom0.Rm("/a/b");
            dom0.SetPerms("/a/d", "n5", "r0");
            dom0.SetPerms("@releaseDomain", "n0", "r5");
            dom0.Call(XsMessageType.Introduce, "5", "11", "3");
            dom0.Call(XsMessageType.Introduce, "6", "12", "4");
            uint tx = dom0.Start();
            dom0.Write("/t/x", "in tx", tx);
            dom0.Rm("/a", tx);
            Assert.Equal(StoreError.None, dom0.Commit(tx));
            dom0.Call(XsMessageType.Release, "6");
            before = TreeDump.Of(engine, withGenerations: true);
            generation = engine.Generation;
        }

        StoreImage image = persistence.Replay();
        using var reloaded = new StoreEngine(new RecordingPersistence(image));
        using var client = new TestClient(reloaded, 0);

        Assert.Equal(before, TreeDump.Of(reloaded, withGenerations: true));
        Assert.Equal(generation, reloaded.Generation);
        Assert.Equal("T|", client.Call(XsMessageType.IsDomainIntroduced, "5").Text);
        Assert.Equal("F|", client.Call(XsMessageType.IsDomainIntroduced, "6").Text);
        Assert.Equal("n0|r5|", client.GetPerms("@releaseDomain"));
        Assert.Equal("OK|", client.Call(XsMessageType.Control, "check").Text);
        Assert.DoesNotContain(TreeDump.Of(reloaded, false), l => l.StartsWith('@'));
    }

    [Fact]
    public void Load_NonEmptyImage_NothingAppendedAndQuotaCountsRecomputed()
    {
        var persistence = new RecordingPersistence();
        using (var engine = new StoreEngine(persistence))
        {
            using var dom0 = new TestClient(engine, 0);
            dom0.Mkdir("/local/domain/5");
            dom0.SetPerms("/local/domain/5", "n5");
            dom0.Write("/local/domain/5/x", "");
            dom0.SetPerms("/local/domain/5/x", "n5");
        }

        var reloadedPersistence = new RecordingPersistence(persistence.Replay());
        using var reloaded = new StoreEngine(reloadedPersistence, new StoreOptions { NodeQuota = 3 });
        using var five = new TestClient(reloaded, 5);

        Assert.Empty(reloadedPersistence.Appended);
        Assert.Equal(2, reloaded.Tree.Owners[5]);
        Assert.Equal(StoreError.None, five.TryWrite("y", ""));
        Assert.Equal(StoreError.ENOSPC, five.TryWrite("z", ""));
    }

    [Fact]
    public void Load_ThenWrite_GenerationsContinueAboveImage()
    {
        var persistence = new RecordingPersistence();
        using (var engine = new StoreEngine(persistence))
        {
            using var dom0 = new TestClient(engine, 0);
            dom0.Write("/a", "1");
        }

        StoreImage image = persistence.Replay();
        using var reloaded = new StoreEngine(new RecordingPersistence(image));
        using var client = new TestClient(reloaded, 0);
        client.Write("/a", "2");

        Assert.True(reloaded.Tree.Head("/a")!.Generation > image.Generation);
    }
}
