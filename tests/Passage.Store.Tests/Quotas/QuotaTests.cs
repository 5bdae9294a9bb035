using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Quotas;

/// <summary>Quotas for unprivileged domains with C xenstored's defaults and exact boundaries (store.md §8).</summary>
public sealed class QuotaTests
{
    [Fact]
    public void Nodes_DefaultQuotaHomeIncluded_1000OwnedThenEnospc()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);

        // Spread over 20 directories so no node reaches the node-size limit: 1 home + 20 + 979 leaves.
        for (int i = 0; i < 979; i++)
        {
            Assert.Equal(StoreError.None, five.TryWrite($"d{i % 20}/n{i}", ""));
        }

        Assert.Equal(1000, store.Engine.Tree.Owners[5]);
        Assert.Equal(StoreError.ENOSPC, five.TryWrite("d0/one-more", ""));
        Assert.Equal(StoreError.None, five.TryWrite("d0/n0", "rewrite is fine"));
        Assert.Equal(StoreError.None, five.Rm("d0/n0"));
        Assert.Equal(StoreError.None, five.TryWrite("d0/one-more", ""));
    }

    [Fact]
    public void Nodes_WriteCreatingParents_CountsEveryNewNode()
    {
        using var store = new StoreFixture(new StoreOptions { NodeQuota = 3 });
        store.MakeHome(5);
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.ENOSPC, five.TryWrite("a/b/c", ""));
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/local/domain/5/a"));
        Assert.Equal(StoreError.None, five.TryWrite("a/b", ""));
    }

    [Fact]
    public void Nodes_Dom0_NotLimited()
    {
        using var store = new StoreFixture(new StoreOptions { NodeQuota = 2 });

        for (int i = 0; i < 5; i++)
        {
            store.Dom0.Write("/d/" + i, "");
        }

        Assert.Equal(5, store.Dom0.Directory("/d").Length);
    }

    [Fact]
    public void Transactions_DefaultQuota_TwelfthEnospc()
    {
        using var store = new StoreFixture();
        using TestClient five = store.Connect(5);

        for (int i = 0; i < 11; i++)
        {
            five.Start();
        }

        Assert.Equal(StoreError.ENOSPC, five.Send(XsMessageType.TransactionStart, "\0"u8).Error);
    }

    [Fact]
    public void Watches_DefaultQuota_130thE2big()
    {
        using var store = new StoreFixture();
        using TestClient five = store.Connect(5);

        for (int i = 0; i < 129; i++)
        {
            Assert.Equal(StoreError.None, five.Watch("/w" + i, "t"));
        }

        Assert.Equal(StoreError.E2BIG, five.Watch("/w129", "t"));
    }

    [Fact]
    public void TransactionNodes_1025thTouchEnospcThenFailedCommitEnomem()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        uint tx = five.Start();

        for (int i = 0; i < 1024; i++)
        {
            Assert.Equal(StoreError.ENOENT, five.ReadError("m" + i, tx));
        }

        Assert.Equal(StoreError.ENOSPC, five.ReadError("m1024", tx));
        Assert.Equal(StoreError.ENOSPC, five.ReadError("m0", tx));
        Assert.Equal(StoreError.ENOSPC, five.TryWrite("x", "v", tx));
        int appended = store.Persistence.Appended.Count;
        Assert.Equal(StoreError.ENOMEM, five.Commit(tx));
        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal(StoreError.ENOENT, five.Commit(tx));
    }

    [Fact]
    public void PermissionEntries_FiveFitSixEnospc()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("p", "");

        Assert.Equal(StoreError.None, five.SetPerms("p", "n5", "r1", "r2", "r3", "r4"));
        Assert.Equal(StoreError.ENOSPC, five.SetPerms("p", "n5", "r1", "r2", "r3", "r4", "r6"));
        Assert.Equal(StoreError.None, store.Dom0.SetPerms("/local/domain/5/p", "n5", "r1", "r2", "r3", "r4", "r6"));
    }

    [Theory]
    [InlineData(2007, StoreError.None)] // 24 + 2·8 + 2007 = 2047 < 2048
    [InlineData(2008, StoreError.ENOSPC)] // 2048 reaches the limit
    public void NodeSize_TwoPermValue_Boundary(int valueLength, StoreError expected)
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("v", "");
        Assert.Equal(StoreError.None, five.SetPerms("v", "n5", "r0"));

        Assert.Equal(expected, five.TryWrite("v", new string('x', valueLength)));
    }

    [Fact]
    public void NodeSize_TwoPermNode_HoldsChildrenC0ToC422Only()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("d", "");
        Assert.Equal(StoreError.None, five.SetPerms("d", "n5", "r0"));

        for (int i = 0; i <= 422; i++)
        {
            Assert.Equal(StoreError.None, five.Mkdir("d/c" + i));
        }

        Assert.Equal(StoreError.ENOSPC, five.Mkdir("d/c423"));
        Assert.Equal(423, five.Directory("d").Length);
    }

    [Fact]
    public void NodeSize_Dom0_NotLimited()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.None, store.Dom0.TryWrite("/big", new string('x', 3000)));
    }

    [Fact]
    public void PathLength_AppliesToDom0Too()
    {
        using var store = new StoreFixture(new StoreOptions { PathLengthQuota = 10 });

        Assert.Equal(StoreError.None, store.Dom0.TryWrite("/123456789", ""));
        Assert.Equal(StoreError.EINVAL, store.Dom0.TryWrite("/1234567890", ""));
        Assert.Equal(StoreError.None, store.Dom0.TryWrite("/local/domain/3/123456789", ""));
    }
}
