using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Engine;

/// <summary>Permission evaluation and the SET_PERMS owner rules (store.md §5).</summary>
public sealed class PermissionTests
{
    [Fact]
    public void Read_OwnerLetterIsDefault_UnlistedDomainUsesIt()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/open", "v");
        store.Dom0.SetPerms("/open", "r0");
        using TestClient guest = store.Connect(9);

        Assert.Equal("v", guest.Read("/open"));
        Assert.Equal(StoreError.EACCES, guest.TryWrite("/open", "x"));
    }

    [Fact]
    public void Write_OwnerB0_EveryoneReadsAndWrites()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/shared", "v");
        store.Dom0.SetPerms("/shared", "b0");
        using TestClient guest = store.Connect(9);

        guest.Write("/shared", "x");

        Assert.Equal("x", store.Dom0.Read("/shared"));
    }

    [Fact]
    public void Read_ExplicitEntry_OverridesDefault()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        store.Dom0.SetPerms("/p", "n0", "r5", "w6", "n7");
        using TestClient five = store.Connect(5);
        using TestClient six = store.Connect(6);
        using TestClient seven = store.Connect(7);

        Assert.Equal("v", five.Read("/p"));
        Assert.Equal(StoreError.EACCES, five.TryWrite("/p", "x"));
        Assert.Equal(StoreError.EACCES, six.ReadError("/p"));
        Assert.Equal(StoreError.None, six.TryWrite("/p", "six"));
        Assert.Equal(StoreError.EACCES, seven.ReadError("/p"));
    }

    [Fact]
    public void Read_FirstMatchingEntryWins()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        store.Dom0.SetPerms("/p", "n0", "r5", "n5");
        using TestClient five = store.Connect(5);

        Assert.Equal("v", five.Read("/p"));
    }

    [Fact]
    public void Owner_AllRightsWhateverTheLetter()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        store.Dom0.SetPerms("/p", "n5");
        using TestClient five = store.Connect(5);

        five.Write("/p", "mine");

        Assert.Equal("mine", five.Read("/p"));
    }

    [Fact]
    public void Read_MissingNodeUnderUnreadableParent_EaccesNotEnoent()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/secret");
        using TestClient guest = store.Connect(5);

        Assert.Equal(StoreError.EACCES, guest.ReadError("/secret/none"));
        Assert.Equal(StoreError.EACCES, guest.ReadError("/secret/deeper/none"));
    }

    [Fact]
    public void Read_MissingNodeUnderReadableParent_Enoent()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/open");
        store.Dom0.SetPerms("/open", "n0", "r5");
        using TestClient guest = store.Connect(5);

        Assert.Equal(StoreError.ENOENT, guest.ReadError("/open/none"));
    }

    [Fact]
    public void Write_NewNodeByUnprivilegedCreator_CopiesParentListCreatorOwns()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/dir");
        store.Dom0.SetPerms("/dir", "n0", "b5", "r7");
        using TestClient five = store.Connect(5);

        five.Write("/dir/new/leaf", "v");

        Assert.Equal("n5|b5|r7|", store.Dom0.GetPerms("/dir/new"));
        Assert.Equal("n5|b5|r7|", store.Dom0.GetPerms("/dir/new/leaf"));
        Assert.Equal("n0|b5|r7|", store.Dom0.GetPerms("/dir"));
    }

    [Fact]
    public void Write_NewNodeUnderReadOnlyParent_Eacces()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/dir");
        store.Dom0.SetPerms("/dir", "n0", "r5");
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.EACCES, five.TryWrite("/dir/new", "v"));
        Assert.Equal(StoreError.EACCES, five.Mkdir("/dir/new"));
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/dir/new"));
    }

    [Fact]
    public void Write_NewNodeByDom0_CopiesParentListUnchanged()
    {
        using var store = new StoreFixture();
        store.Dom0.Mkdir("/dir");
        store.Dom0.SetPerms("/dir", "n5", "r0");

        store.Dom0.Write("/dir/x", "v");

        Assert.Equal("n5|r0|", store.Dom0.GetPerms("/dir/x"));
    }

    [Fact]
    public void SetPerms_ByOwner_Allowed()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("data", "v");

        Assert.Equal(StoreError.None, five.SetPerms("data", "n5", "r6"));

        Assert.Equal("n5|r6|", store.Dom0.GetPerms("/local/domain/5/data"));
    }

    [Fact]
    public void SetPerms_OwnerChangeByUnprivilegedOwner_Eperm()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("data", "v");

        Assert.Equal(StoreError.EPERM, five.SetPerms("data", "n6"));

        Assert.Equal("n5|", store.Dom0.GetPerms("/local/domain/5/data"));
    }

    [Fact]
    public void SetPerms_ByNonOwnerWithWriteAccess_Eacces()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        store.Dom0.SetPerms("/p", "n0", "b5");
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.EACCES, five.SetPerms("/p", "n0", "b5", "r6"));
    }

    [Fact]
    public void SetPerms_OwnerChangeByDom0_AllowedAndCountsMove()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        int dom0Nodes = store.Engine.Tree.Owners[0];

        Assert.Equal(StoreError.None, store.Dom0.SetPerms("/p", "b9"));

        Assert.Equal(1, store.Engine.Tree.Owners[9]);
        Assert.Equal(dom0Nodes - 1, store.Engine.Tree.Owners[0]);
    }

    [Fact]
    public void GetPerms_UnreadableNode_Eacces()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.EACCES, five.Call(XsMessageType.GetPerms, "/p").Error);
    }

    [Fact]
    public void BackendFrontendExample_AccessAsSpecified()
    {
        using var store = new StoreFixture();
        const string Backend = "/local/domain/0/backend/pci/5/0";
        const string Frontend = "/local/domain/5/device/pci/0";
        store.Dom0.Write(Backend + "/state", "1");
        store.Dom0.SetPerms(Backend, "n0", "r5");
        store.Dom0.SetPerms(Backend + "/state", "n0", "r5");
        store.Dom0.Write(Frontend + "/state", "1");
        store.MakeHome(5);
        store.Dom0.SetPerms("/local/domain/5/device", "n5", "r0");
        store.Dom0.SetPerms("/local/domain/5/device/pci", "n5", "r0");
        store.Dom0.SetPerms(Frontend, "n5", "r0");
        store.Dom0.SetPerms(Frontend + "/state", "n5", "r0");
        store.MakeHome(6);
        using TestClient five = store.Connect(5);
        using TestClient six = store.Connect(6);

        Assert.Equal("1", five.Read(Backend + "/state"));
        Assert.Equal(StoreError.EACCES, five.TryWrite(Backend + "/state", "4"));
        five.Write(Frontend + "/state", "3");
        Assert.Equal(StoreError.EACCES, six.ReadError(Frontend + "/state"));
        Assert.Equal(StoreError.EACCES, five.TryWrite("/local/domain/6/x", "v"));
        Assert.Equal(StoreError.EACCES, five.TryWrite("/newtop", "v"));
        Assert.Equal(StoreError.EACCES, five.Call(XsMessageType.Introduce, "7", "1", "1").Error);
        Assert.Equal("3", store.Dom0.Read(Frontend + "/state"));
    }

    [Fact]
    public void SetTarget_StubDomain_ActsForItsGuest()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        store.Dom0.Write("/local/domain/5/private", "guest");
        store.Dom0.SetPerms("/local/domain/5/private", "n5");
        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1").Text);
        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Introduce, "6", "1", "1").Text);
        using TestClient stub = store.Connect(6);
        Assert.Equal(StoreError.EACCES, stub.ReadError("/local/domain/5/private"));

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.SetTarget, "6", "5").Text);

        Assert.Equal("guest", stub.Read("/local/domain/5/private"));
        stub.Write("/local/domain/5/private", "by stub");
        Assert.Equal(StoreError.None, stub.SetPerms("/local/domain/5/private", "n5", "r7"));
        Assert.Equal(StoreError.EPERM, stub.SetPerms("/local/domain/5/private", "n6"));
    }

    [Fact]
    public void SetTarget_LaterEntryNamingTarget_Applies()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "v");
        store.Dom0.SetPerms("/p", "n0", "r5");
        store.Dom0.Call(XsMessageType.Introduce, "5", "1", "1");
        store.Dom0.Call(XsMessageType.Introduce, "6", "1", "1");
        store.Dom0.Call(XsMessageType.SetTarget, "6", "5");
        using TestClient stub = store.Connect(6);

        Assert.Equal("v", stub.Read("/p"));
        Assert.Equal(StoreError.EACCES, stub.TryWrite("/p", "x"));
    }

    [Fact]
    public void SetPerms_SpecialWatchName_LetsUnprivilegedDomainHearEvents()
    {
        using var store = new StoreFixture();
        using TestClient five = store.Connect(5);
        Assert.Equal(StoreError.None, five.Watch("@introduceDomain", "t"));
        store.Dom0.Call(XsMessageType.Introduce, "8", "1", "1");
        Assert.Empty(five.Sink.Take());

        Assert.Equal(StoreError.None, store.Dom0.SetPerms("@introduceDomain", "n0", "r5"));
        store.Dom0.Call(XsMessageType.Introduce, "9", "1", "1");

        Assert.Equal(["@introduceDomain|t"], five.Sink.Take());
        Assert.Equal("n0|r5|", store.Dom0.GetPerms("@introduceDomain"));
        Assert.Equal("@introduceDomain", store.Persistence.Appended.Single(a => a.Changes.Upserts.Any(n => n.Path.StartsWith('@'))).Changes.Upserts[0].Path);
    }

    [Fact]
    public void SetPerms_SpecialNameByUnprivileged_Eacces()
    {
        using var store = new StoreFixture();
        using TestClient five = store.Connect(5);

        Assert.Equal(StoreError.EACCES, five.SetPerms("@releaseDomain", "n0", "r5"));
    }
}
