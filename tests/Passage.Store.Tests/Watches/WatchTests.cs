using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Watches;

/// <summary>Watch registration and firing rules (store.md §6).</summary>
public sealed class WatchTests
{
    [Fact]
    public void Watch_Registration_OkThenInitialEventInOutputEchoingTxId()
    {
        using var store = new StoreFixture();
        uint tx = store.Dom0.Start();

        List<Frame> frames = store.Dom0.SendAll(XsMessageType.Watch, TestClient.Strings("/w", "tok"), tx);

        Assert.Equal(2, frames.Count);
        Assert.Equal("OK|", frames[0].Text);
        Assert.Equal(tx, frames[0].Header.TransactionId);
        Assert.Equal(XsMessageType.WatchEvent, frames[1].Header.Type);
        Assert.Equal("/w|tok|", frames[1].Text);
        Assert.Equal(0u, frames[1].Header.RequestId);
        Assert.Equal(0u, frames[1].Header.TransactionId);
        Assert.Empty(store.Dom0.Sink.Events);
    }

    [Fact]
    public void Watch_WithUnknownTransactionId_IgnoresIt()
    {
        using var store = new StoreFixture();

        List<Frame> frames = store.Dom0.SendAll(XsMessageType.Watch, TestClient.Strings("/w", "tok"), 77);

        Assert.Equal("OK|", frames[0].Text);
    }

    [Fact]
    public void Watch_Duplicate_Eexist()
    {
        using var store = new StoreFixture();
        Assert.Equal(StoreError.None, store.Dom0.Watch("/w", "t"));

        Assert.Equal(StoreError.EEXIST, store.Dom0.Watch("/w", "t"));
        Assert.Equal(StoreError.None, store.Dom0.Watch("/w", "other"));
    }

    [Fact]
    public void Unwatch_Unknown_EnoentKnown_StopsEvents()
    {
        using var store = new StoreFixture();
        Assert.Equal(StoreError.ENOENT, store.Dom0.Unwatch("/w", "t"));
        store.Dom0.Watch("/w", "t");

        Assert.Equal(StoreError.None, store.Dom0.Unwatch("/w", "t"));
        store.Dom0.Write("/w", "v");

        Assert.Empty(store.Dom0.Sink.Events);
    }

    [Theory]
    [InlineData("/w")] // the watched node
    [InlineData("/w/a/b")] // below it
    public void Write_AtOrBelow_FiresChangedPath(string path)
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("/w", "t");

        store.Dom0.Write(path, "v");

        Assert.Equal([$"{path}|t"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Write_AboveOrBeside_NoEvent()
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("/w/a", "t");

        store.Dom0.Write("/w", "v");
        store.Dom0.Write("/wx", "v");
        store.Dom0.Write("/w/ab", "v");

        Assert.Empty(store.Dom0.Sink.Events);
    }

    [Fact]
    public void Write_SameValueAgain_FiresAgain()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/w", "v");
        store.Dom0.Watch("/w", "t");

        store.Dom0.Write("/w", "v");
        store.Dom0.Write("/w", "v");

        Assert.Equal(["/w|t", "/w|t"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Write_OtherConnectionsWatch_DeliveredToItsSink()
    {
        using var store = new StoreFixture();
        using TestClient watcher = store.Connect(0);
        watcher.Watch("/w", "t");

        store.Dom0.Write("/w", "v");

        Assert.Equal(["/w|t"], watcher.Sink.Take());
        Assert.Empty(store.Dom0.Sink.Events);
    }

    [Fact]
    public void Mkdir_Existing_NoEventMissing_Fires()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/w", "v");
        store.Dom0.Watch("/w", "t");

        store.Dom0.Mkdir("/w");
        Assert.Empty(store.Dom0.Sink.Events);
        store.Dom0.Mkdir("/w/new");

        Assert.Equal(["/w/new|t"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Rm_Missing_NoEvent()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/w");
        store.Dom0.Watch("/w", "t");

        store.Dom0.Rm("/w/none");

        Assert.Empty(store.Dom0.Sink.Events);
    }

    [Fact]
    public void SetPerms_FiresChangedPath()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/w", "v");
        store.Dom0.Watch("/w", "t");

        store.Dom0.SetPerms("/w", "n0", "r3");

        Assert.Equal(["/w|t"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Rm_Ancestor_RemovedPathAboveOwnPathsInsideDeepestFirstNothingForMissing()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a/b/c", "");
        store.Dom0.Write("/a/d", "");
        store.Dom0.Watch("/", "root");
        store.Dom0.Watch("/a", "a");
        store.Dom0.Watch("/a/b", "b");
        store.Dom0.Watch("/a/b/c", "c");
        store.Dom0.Watch("/a/missing", "m");

        store.Dom0.Rm("/a");

        List<string> events = store.Dom0.Sink.Take();
        Assert.Equal(4, events.Count);
        Assert.Contains("/a|root", events);
        Assert.Contains("/a|a", events);
        Assert.True(events.IndexOf("/a/b/c|c") < events.IndexOf("/a/b|b"), "deepest first");
        Assert.DoesNotContain(events, e => e.EndsWith("|m", StringComparison.Ordinal));
    }

    [Fact]
    public void Watch_RelativePath_ReportsRelativePaths()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        Assert.Equal(StoreError.None, five.Watch("device", "t"));

        five.Write("device/vif/0", "v");
        store.Dom0.Write("/local/domain/5/device", "x");

        Assert.Equal(["device/vif/0|t", "device|t"], five.Sink.Take());
    }

    [Fact]
    public void Watch_RelativeInsideRemovedSubtree_OwnRelativePath()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("rel/x", "v");
        store.Dom0.Watch("rel/x", "t");

        store.Dom0.Rm("/local/domain/0/rel");

        Assert.Equal(["rel/x|t"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Watch_UnreadablePath_InitialEventStillSent()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/secret", "v");
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.None, five.Watch("/secret", "t"));
    }

    [Fact]
    public void Write_UnprivilegedWatcher_OnlyReadableNodeOrParentEvents()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/w");
        store.Dom0.SetPerms("/w", "n0", "r5");
        store.Dom0.Write("/w/visible", "");
        store.Dom0.Write("/w/hidden", "");
        store.Dom0.SetPerms("/w/hidden", "n0");
        store.Dom0.Write("/w/hidden/deep", "");
        store.Dom0.SetPerms("/w/hidden/deep", "n0");
        using TestClient five = store.Connect(5);
        five.Watch("/w", "t");

        store.Dom0.Write("/w/visible", "1");
        store.Dom0.Write("/w/hidden", "1"); // unreadable, but its parent /w is readable
        store.Dom0.Write("/w/hidden/deep", "1"); // neither it nor its parent is readable

        Assert.Equal(["/w/visible|t", "/w/hidden|t"], five.Sink.Take());
    }

    [Fact]
    public void SetPerms_RevokingRead_OldPermissionsStillLetWatcherHear()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/w");
        store.Dom0.Write("/w/x", "");
        store.Dom0.SetPerms("/w/x", "n0", "r5");
        using TestClient five = store.Connect(5);
        five.Watch("/w/x", "t");

        store.Dom0.SetPerms("/w/x", "n0");
        store.Dom0.Write("/w/x", "after");

        Assert.Equal(["/w/x|t"], five.Sink.Take());
    }

    [Theory]
    [InlineData("0", new[] { "/w" })] // only the node itself
    [InlineData("1", new[] { "/w", "/w/a" })] // one level below
    [InlineData("2", new[] { "/w", "/w/a", "/w/a/b" })] // two levels below
    public void Watch_Depth_Honoured(string depth, string[] expected)
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("/w", "t", depth);

        store.Dom0.Write("/w", "");
        store.Dom0.Write("/w/a", "");
        store.Dom0.Write("/w/a/b", "");
        store.Dom0.Write("/w/a/b/c", "");

        Assert.Equal(expected.Select(p => p + "|t"), store.Dom0.Sink.Take());
    }

    [Fact]
    public void Watch_DepthOnRoot_CountsLevelsFromRoot()
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("/", "t", "1");

        store.Dom0.Write("/top", "");
        store.Dom0.Write("/top/below", "");

        Assert.Equal(["/top|t"], store.Dom0.Sink.Take());
    }

    [Theory]
    [InlineData("x")] // not a number
    [InlineData("-1")] // negative
    public void Watch_BadDepth_Einval(string depth)
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Watch("/w", "t", depth));
    }

    [Fact]
    public void Watch_FourArguments_Einval()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Send(XsMessageType.Watch, TestClient.Strings("/w", "t", "1", "x")).Error);
    }

    [Fact]
    public void Watch_InvalidPath_Einval()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Watch("/w/", "t"));
        Assert.Equal(StoreError.EINVAL, store.Dom0.Watch("@unknown", "t"));
    }

    [Fact]
    public void Transaction_Events_QueuedUntilCommitOnePerChangedNode()
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("/t", "t");
        uint tx = store.Dom0.Start();
        store.Dom0.Write("/t/a", "1", tx);
        store.Dom0.Write("/t/a", "2", tx);
        store.Dom0.Write("/t/b", "1", tx);
        Assert.Empty(store.Dom0.Sink.Events);

        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        Assert.Equal(["/t/a|t", "/t/b|t"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Transaction_AbortedOrFailed_NoEvents()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/t", "0");
        store.Dom0.Watch("/t", "t");
        uint aborted = store.Dom0.Start();
        store.Dom0.Write("/t", "1", aborted);
        uint conflicted = store.Dom0.Start();
        store.Dom0.Write("/t", "2", conflicted);
        store.Dom0.Abort(aborted);
        store.Dom0.Write("/t/other", "");
        store.Dom0.Sink.Take();

        Assert.Equal(StoreError.EAGAIN, store.Dom0.Commit(conflicted));

        Assert.Empty(store.Dom0.Sink.Events);
    }

    [Fact]
    public void Transaction_RemovedSubtree_WatcherInsideHearsOwnPathAtCommit()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a/b", "");
        store.Dom0.Watch("/a/b", "inside");
        uint tx = store.Dom0.Start();
        store.Dom0.Write("/a", "changed", tx);
        store.Dom0.Rm("/a", tx);
        Assert.Empty(store.Dom0.Sink.Events);

        Assert.Equal(StoreError.None, store.Dom0.Commit(tx));

        Assert.Equal(["/a/b|inside"], store.Dom0.Sink.Take());
    }

    [Fact]
    public void Watch_Quota_ChecksAfterPlusOne()
    {
        using var store = new StoreFixture(new StoreOptions { WatchQuota = 3 });
        using TestClient five = store.Connect(5);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(StoreError.None, five.Watch("/w" + i, "t"));
        }

        Assert.Equal(StoreError.E2BIG, five.Watch("/w4", "t"));
    }

    [Fact]
    public void ResetWatches_DropsWatches()
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("/w", "t");

        store.Dom0.Send(XsMessageType.ResetWatches, "\0"u8);
        store.Dom0.Write("/w", "v");

        Assert.Empty(store.Dom0.Sink.Events);
        Assert.Equal(StoreError.None, store.Dom0.Watch("/w", "t"));
    }

    [Fact]
    public void Dispose_DropsWatches()
    {
        using var store = new StoreFixture();
        TestClient watcher = store.Connect(0);
        watcher.Watch("/w", "t");

        watcher.Dispose();
        store.Dom0.Write("/w", "v");

        Assert.Empty(watcher.Sink.Events);
    }
}
