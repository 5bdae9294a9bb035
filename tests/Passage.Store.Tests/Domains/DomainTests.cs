using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Domains;

/// <summary>INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET and their events (store.md §2, §6).</summary>
public sealed class DomainTests
{
    [Fact]
    public void Introduce_NewDomain_RegisteredEventFiredDomainsPersisted()
    {
        using var store = new StoreFixture();
        store.Dom0.Watch("@introduceDomain", "in");

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Introduce, "5", "4660", "7").Text);
        long ticket = store.Dom0.LastTicket;

        Assert.Equal("T|", store.Dom0.Call(XsMessageType.IsDomainIntroduced, "5").Text);
        Assert.Equal(["@introduceDomain|in"], store.Dom0.Sink.Take());
        StoreChangeSet last = store.Persistence.Last;
        Assert.Equal([new IntroducedDomain(5, 4660, 7)], last.Domains);
        Assert.Empty(last.Upserts);
        Assert.Equal(store.Persistence.Appended.Count, ticket);
    }

    [Fact]
    public void Introduce_Again_OkNoEventResetsThatDomainsConnections()
    {
        using var store = new StoreFixture();
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");
        using TestClient five = store.Connect(5);
        uint tx = five.Start();
        five.Watch("/w", "t");
        store.Dom0.Watch("@introduceDomain", "in");
        int appended = store.Persistence.Appended.Count;

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1").Text);

        Assert.Empty(store.Dom0.Sink.Events);
        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal(StoreError.ENOENT, five.Commit(tx));
        Assert.Equal(StoreError.ENOENT, five.Unwatch("/w", "t"));
    }

    [Theory]
    [InlineData("0", "1", "1")] // dom0
    [InlineData("x", "1", "1")] // not a number
    [InlineData("32752", "1", "1")] // DOMID_FIRST_RESERVED
    [InlineData("5", "1")] // missing event channel
    public void Introduce_BadArguments_Einval(params string[] args)
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Call(XsMessageType.Introduce, args).Error);
    }

    [Fact]
    public void IsDomainIntroduced_Dom0True_UnknownFalse()
    {
        using var store = new StoreFixture();

        Assert.Equal("T|", store.Dom0.Call(XsMessageType.IsDomainIntroduced, "0").Text);
        Assert.Equal("F|", store.Dom0.Call(XsMessageType.IsDomainIntroduced, "9").Text);
    }

    [Fact]
    public void Release_DeletesOwnedNodesFiresEventsPersistsOneChangeSet()
    {
        using var store = new StoreFixture();
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("data/x", "v");
        store.Dom0.Write("/local/domain/0/backend/5", "kept");
        store.Dom0.Watch("@releaseDomain", "rel");
        store.Dom0.Watch("@releaseDomain/5", "rel5");
        store.Dom0.Watch("@releaseDomain/6", "rel6");

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Release, "5").Text);

        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/local/domain/5"));
        Assert.Equal("kept", store.Dom0.Read("/local/domain/0/backend/5"));
        Assert.Equal("F|", store.Dom0.Call(XsMessageType.IsDomainIntroduced, "5").Text);
        Assert.Equal(["@releaseDomain|rel", "@releaseDomain/5|rel5"], store.Dom0.Sink.Take());
        StoreChangeSet last = store.Persistence.Last;
        Assert.Equal(["/local/domain/5", "/local/domain/5/data", "/local/domain/5/data/x"], last.Deletes.Order(StringComparer.Ordinal));
        Assert.Equal(["/local/domain"], last.Upserts.Select(n => n.Path));
        Assert.Empty(last.Domains!);
        Assert.Equal(0, store.Engine.Tree.Owners[5]);
    }

    [Fact]
    public void Release_KeepReleasedNodes_NodesStay()
    {
        using var store = new StoreFixture(new StoreOptions { KeepReleasedNodes = true });
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");
        store.MakeHome(5);

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Release, "5").Text);

        Assert.Equal("", store.Dom0.Read("/local/domain/5"));
    }

    [Theory]
    [InlineData(XsMessageType.Release, "0", StoreError.EINVAL)] // dom0
    [InlineData(XsMessageType.Release, "9", StoreError.ENOENT)] // not introduced
    [InlineData(XsMessageType.Release, "x", StoreError.EINVAL)] // not a number
    [InlineData(XsMessageType.Resume, "0", StoreError.EINVAL)] // dom0
    [InlineData(XsMessageType.Resume, "9", StoreError.ENOENT)] // not introduced
    public void ReleaseResume_BadDomain_Error(XsMessageType type, string domain, StoreError expected)
    {
        using var store = new StoreFixture();

        Assert.Equal(expected, store.Dom0.Call(type, domain).Error);
    }

    [Fact]
    public void Resume_IntroducedDomain_Ok()
    {
        using var store = new StoreFixture();
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Resume, "5").Text);
    }

    [Fact]
    public void SetTarget_UnknownDomain_Enoent()
    {
        using var store = new StoreFixture();
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");

        Assert.Equal(StoreError.ENOENT, store.Dom0.Call(XsMessageType.SetTarget, "6", "5").Error);
        Assert.Equal(StoreError.ENOENT, store.Dom0.Call(XsMessageType.SetTarget, "5", "6").Error);
        Assert.Equal(StoreError.EINVAL, store.Dom0.Call(XsMessageType.SetTarget, "5").Error);
    }

    [Theory]
    [InlineData(XsMessageType.Control, new[] { "help" })] // CONTROL
    [InlineData(XsMessageType.Introduce, new[] { "5", "1", "1" })] // INTRODUCE
    [InlineData(XsMessageType.Release, new[] { "5" })] // RELEASE
    [InlineData(XsMessageType.IsDomainIntroduced, new[] { "5" })] // IS_DOMAIN_INTRODUCED
    [InlineData(XsMessageType.Resume, new[] { "5" })] // RESUME
    [InlineData(XsMessageType.SetTarget, new[] { "5", "6" })] // SET_TARGET
    public void PrivilegedType_FromUnprivilegedDomain_Eacces(XsMessageType type, string[] args)
    {
        using var store = new StoreFixture();
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.EACCES, five.Call(type, args).Error);
        Assert.Equal("T|", store.Dom0.Call(XsMessageType.IsDomainIntroduced, "5").Text);
    }

    [Fact]
    public void ReleaseEvent_UnprivilegedWatcher_NeedsReadPermission()
    {
        using var store = new StoreFixture();
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");
        store.Dom0.Call(XsMessageType.Introduce, "6", "1", "1");
        using TestClient seven = store.Connect(7);
        seven.Watch("@releaseDomain", "rel");
        store.Dom0.Call(XsMessageType.Release, "5");
        Assert.Empty(seven.Sink.Events);

        store.Dom0.SetPerms("@releaseDomain", "n0", "r7");
        store.Dom0.Call(XsMessageType.Release, "6");

        Assert.Equal(["@releaseDomain|rel"], seven.Sink.Take());
    }
}
