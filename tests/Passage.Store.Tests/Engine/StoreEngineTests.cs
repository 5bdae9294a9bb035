using System.Text;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Engine;

/// <summary>Requests and replies of store.md §1–§4: payload rules, every tree message type, paths and errors.</summary>
public sealed class StoreEngineTests
{
    [Fact]
    public void Constructor_EmptyImage_CreatesFreshStoreAsFirstChangeSet()
    {
        using var store = new StoreFixture();

        Assert.Equal(["tool"], store.Dom0.Directory("/"));
        Assert.Equal(["xenstored"], store.Dom0.Directory("/tool"));
        Assert.Empty(store.Dom0.Directory("/tool/xenstored"));
        Assert.Equal("n0|", store.Dom0.GetPerms("/"));
        Assert.Equal("n0|", store.Dom0.GetPerms("/tool/xenstored"));
        StoreChangeSet first = Assert.Single(store.Persistence.Appended).Changes;
        Assert.Equal(["/", "/tool", "/tool/xenstored"], first.Upserts.Select(n => n.Path).Order(StringComparer.Ordinal));
        Assert.All(first.Upserts, n => Assert.Equal("n0", n.Permissions));
        Assert.Empty(first.Deletes);
        Assert.Equal(store.Engine.Generation, first.Generation);
    }

    [Fact]
    public void Read_WrittenValue_RawBytesWithoutNul()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "v1");

        Frame reply = store.Dom0.Call(XsMessageType.Read, "/a");

        Assert.Equal("v1"u8.ToArray(), reply.Payload);
    }

    [Fact]
    public void Write_ValueWithEmbeddedNuls_KeptExactly()
    {
        using var store = new StoreFixture();
        byte[] value = [1, 0, 2, 0, 0];

        Assert.Equal(StoreError.None, store.Dom0.Send(XsMessageType.Write, [.. TestClient.Strings("/bin"), .. value]).Error);

        Assert.Equal(value, store.Dom0.Call(XsMessageType.Read, "/bin").Payload);
    }

    [Fact]
    public void Write_Success_RepliesOkNul()
    {
        using var store = new StoreFixture();

        Frame reply = store.Dom0.WriteFrame("/a", "x");

        Assert.Equal(XsMessageType.Write, reply.Header.Type);
        Assert.Equal("OK|", reply.Text);
    }

    [Fact]
    public void Write_MissingParents_CreatedEmptyWithParentPermissions()
    {
        using var store = new StoreFixture();

        store.Dom0.Write("/a/b/c", "v");

        Assert.Equal("", store.Dom0.Read("/a"));
        Assert.Equal("", store.Dom0.Read("/a/b"));
        Assert.Equal("v", store.Dom0.Read("/a/b/c"));
        Assert.Equal(["b"], store.Dom0.Directory("/a"));
        Assert.Equal("n0|", store.Dom0.GetPerms("/a/b"));
    }

    [Fact]
    public void Write_FullPayload_AcceptedForDom0()
    {
        using var store = new StoreFixture();
        byte[] path = TestClient.Strings("/big");
        byte[] payload = [.. path, .. new byte[XsHeader.MaxPayload - path.Length]];

        Assert.Equal(StoreError.None, store.Dom0.Send(XsMessageType.Write, payload).Error);

        Assert.Equal(XsHeader.MaxPayload - path.Length, store.Dom0.Call(XsMessageType.Read, "/big").Payload.Length);
    }

    [Fact]
    public void Read_PathWithoutNul_Enoent()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "v");

        Assert.Equal(StoreError.ENOENT, store.Dom0.Send(XsMessageType.Read, "/a"u8).Error);
    }

    [Fact]
    public void Read_EmptyPayload_Answered()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.ENOENT, store.Dom0.Send(XsMessageType.Read, []).Error);
    }

    [Fact]
    public void Read_Missing_Enoent()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/nope"));
    }

    [Fact]
    public void Read_RelativePath_ResolvedUnderCallersHome()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("rel/x", "v");

        Assert.Equal("v", store.Dom0.Read("/local/domain/0/rel/x"));
        Assert.Equal("v", store.Dom0.Read("rel/x"));
    }

    [Theory]
    [InlineData("/a//b")] // double slash
    [InlineData("/a/")] // trailing slash
    [InlineData("/a b")] // space
    [InlineData("/a.b")] // character outside [A-Za-z0-9-/_@]
    [InlineData("")] // empty path
    [InlineData("@introduceDomain")] // a watch name, not a node
    [InlineData("@releaseDomain")] // a watch name, not a node
    [InlineData("@other")] // unknown @ name
    public void Write_InvalidPath_Einval(string path)
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.TryWrite(path, "v"));
    }

    [Theory]
    [InlineData("@introduceDomain")] // watch name
    [InlineData("/x/")] // trailing slash
    public void Read_InvalidPath_Einval(string path)
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.ReadError(path));
    }

    [Theory]
    [InlineData(2047, StoreError.None)] // "/" + 2047 characters: the longest top-level path
    [InlineData(2048, StoreError.EINVAL)] // one more
    public void Write_TopLevelPathLength_QuotaBoundary(int nameLength, StoreError expected)
    {
        using var store = new StoreFixture();

        Assert.Equal(expected, store.Dom0.TryWrite("/" + new string('a', nameLength), ""));
    }

    [Theory]
    [InlineData(2048, StoreError.None)] // what follows /local/domain/<n>/ may be 2048 long
    [InlineData(2049, StoreError.EINVAL)] // one more
    public void Write_DomainPathLength_PrefixNotCounted(int restLength, StoreError expected)
    {
        using var store = new StoreFixture();
        string rest = string.Join("/", Enumerable.Repeat(new string('a', 63), 40))[..restLength].TrimEnd('/');
        rest = rest.Length < restLength ? rest + new string('b', restLength - rest.Length) : rest;

        Assert.Equal(restLength, rest.Length);
        Assert.Equal(expected, store.Dom0.TryWrite("/local/domain/7/" + rest, ""));
    }

    [Fact]
    public void Mkdir_Existing_KeepsValueAndAppendsNothing()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "keep");
        int appended = store.Persistence.Appended.Count;

        Assert.Equal(StoreError.None, store.Dom0.Mkdir("/a"));

        Assert.Equal("keep", store.Dom0.Read("/a"));
        Assert.Equal(appended, store.Persistence.Appended.Count);
        Assert.Equal(0, store.Dom0.LastTicket);
    }

    [Fact]
    public void Mkdir_Missing_CreatesEmptyNode()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.None, store.Dom0.Mkdir("/d/e"));
        long ticket = store.Dom0.LastTicket;

        Assert.Equal("", store.Dom0.Read("/d/e"));
        Assert.Equal(store.Persistence.Appended.Count, ticket);
    }

    [Fact]
    public void Rm_Subtree_RemovesAllAndDeletesEveryPath()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a/b/c", "1");
        store.Dom0.Write("/a/d", "2");

        Assert.Equal(StoreError.None, store.Dom0.Rm("/a"));

        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/a"));
        Assert.Equal(StoreError.ENOENT, store.Dom0.ReadError("/a/b/c"));
        Assert.Equal(["tool"], store.Dom0.Directory("/"));
        StoreChangeSet last = store.Persistence.Last;
        Assert.Equal(["/a", "/a/b", "/a/b/c", "/a/d"], last.Deletes.Order(StringComparer.Ordinal));
        Assert.Equal(["/"], last.Upserts.Select(n => n.Path));
        Assert.Equal(["tool"], last.Upserts[0].Children);
    }

    [Fact]
    public void Rm_MissingNodeWithParent_OkNothingAppended()
    {
        using var store = new StoreFixture();
        int appended = store.Persistence.Appended.Count;

        Assert.Equal(StoreError.None, store.Dom0.Rm("/tool/none"));

        Assert.Equal(appended, store.Persistence.Appended.Count);
    }

    [Fact]
    public void Rm_MissingParent_Enoent()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.ENOENT, store.Dom0.Rm("/no/such"));
    }

    [Fact]
    public void Rm_Root_Einval()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Rm("/"));
    }

    [Fact]
    public void Directory_Children_InInsertionOrder()
    {
        using var store = new StoreFixture();
        foreach (string name in new[] { "zeta", "alpha", "mid" })
        {
            store.Dom0.Write("/d/" + name, "");
        }

        Assert.Equal(["zeta", "alpha", "mid"], store.Dom0.Directory("/d"));
        Assert.Equal("zeta|alpha|mid|", store.Dom0.Call(XsMessageType.Directory, "/d").Text);
    }

    [Fact]
    public void Directory_Leaf_EmptyPayload()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/leaf", "v");

        Assert.Empty(store.Dom0.Call(XsMessageType.Directory, "/leaf").Payload);
    }

    [Fact]
    public void Directory_RootListing_NoSpecialNames()
    {
        using var store = new StoreFixture();
        Assert.Equal(StoreError.None, store.Dom0.Watch("@introduceDomain", "t"));
        Assert.Equal(StoreError.None, store.Dom0.SetPerms("@releaseDomain", "n0", "r5"));

        Assert.Equal(["tool"], store.Dom0.Directory("/"));
    }

    [Fact]
    public void Directory_ListOver4096Bytes_E2big()
    {
        using var store = new StoreFixture();
        string name = new('n', 99);

        // 41 children of 100 packed bytes each: 4100 > 4096.
        for (int i = 0; i < 41; i++)
        {
            store.Dom0.Write($"/d/{i:D2}{name[2..]}", "");
        }

        Assert.Equal(StoreError.E2BIG, store.Dom0.Call(XsMessageType.Directory, "/d").Error);
    }

    [Fact]
    public void DirectoryPart_ShortList_GenerationNamesAndFinalNul()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/d/a", "");
        store.Dom0.Write("/d/bb", "");
        ulong generation = store.Engine.Tree.Head("/d")!.Generation;

        Frame reply = store.Dom0.Call(XsMessageType.DirectoryPart, "/d", "0");

        Assert.Equal($"{generation}|a|bb||", reply.Text);
    }

    [Fact]
    public void DirectoryPart_OffsetAtEnd_GenerationAndEmptyName()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/d/a", "");
        ulong generation = store.Engine.Tree.Head("/d")!.Generation;

        Assert.Equal($"{generation}||", store.Dom0.Call(XsMessageType.DirectoryPart, "/d", "2").Text);
        Assert.Equal($"{generation}||", store.Dom0.Call(XsMessageType.DirectoryPart, "/d", "99").Text);
    }

    [Fact]
    public void DirectoryPart_LongList_ChunksOfWholeNamesOnlyLastWithExtraNul()
    {
        using var store = new StoreFixture();
        List<string> written = [];
        for (int i = 0; i < 100; i++)
        {
            string name = $"child{i:D3}-" + new string('x', 60);
            written.Add(name);
            store.Dom0.Write("/d/" + name, "");
        }

        List<string> read = [];
        int offset = 0;
        int chunks = 0;
        while (true)
        {
            Frame reply = store.Dom0.Call(XsMessageType.DirectoryPart, "/d", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(StoreError.None, reply.Error);
            Assert.True(reply.Payload.Length <= XsHeader.MaxPayload);
            chunks++;
            string[] parts = Encoding.ASCII.GetString(reply.Payload).Split('\0');
            bool last = reply.Payload.Length >= 2 && reply.Payload[^1] == 0 && reply.Payload[^2] == 0;
            string[] names = parts[1..^(last ? 2 : 1)];
            read.AddRange(names);
            offset += names.Sum(n => n.Length + 1);
            if (last)
            {
                break;
            }
        }

        Assert.Equal(written, read);
        Assert.Equal(2, chunks);
    }

    [Theory]
    [InlineData("/d")] // one argument
    [InlineData("/d", "0", "1")] // three arguments
    [InlineData("/d", "x")] // offset not a number
    public void DirectoryPart_BadArguments_Einval(params string[] args)
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/d/a", "");

        Assert.Equal(StoreError.EINVAL, store.Dom0.Call(XsMessageType.DirectoryPart, args).Error);
    }

    [Fact]
    public void GetPerms_SetList_ReturnsEveryEntry()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "");

        Assert.Equal(StoreError.None, store.Dom0.SetPerms("/p", "n0", "r5", "b7", "w9"));

        Assert.Equal("n0|r5|b7|w9|", store.Dom0.GetPerms("/p"));
        Assert.Equal("n0,r5,b7,w9", store.Persistence.Last.Upserts.Single().Permissions);
    }

    [Theory]
    [InlineData("x5")] // unknown letter
    [InlineData("r")] // no domain id
    [InlineData("r5a")] // not decimal
    [InlineData("r70000")] // above a 16-bit domid
    public void SetPerms_MalformedEntry_Einval(string entry)
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "");

        Assert.Equal(StoreError.EINVAL, store.Dom0.SetPerms("/p", "n0", entry));
        Assert.Equal("n0|", store.Dom0.GetPerms("/p"));
    }

    [Fact]
    public void SetPerms_NoEntries_Einval()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/p", "");

        Assert.Equal(StoreError.EINVAL, store.Dom0.SetPerms("/p"));
    }

    [Fact]
    public void SetPerms_MissingNode_Enoent()
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.ENOENT, store.Dom0.SetPerms("/missing", "n0"));
    }

    [Theory]
    [InlineData(20u)] // RESTRICT, removed
    [InlineData(23u)] // GET_FEATURE
    [InlineData(24u)] // SET_FEATURE
    [InlineData(25u)] // GET_QUOTA
    [InlineData(26u)] // SET_QUOTA
    [InlineData(99u)] // unknown
    [InlineData(65535u)] // INVALID
    public void Handle_UnsupportedType_Enosys(uint type)
    {
        using var store = new StoreFixture();

        Frame reply = store.Dom0.Send((XsMessageType)type, "\0"u8);

        Assert.Equal(StoreError.ENOSYS, reply.Error);
        Assert.Equal("ENOSYS|", reply.Text);
    }

    [Theory]
    [InlineData(XsMessageType.WatchEvent)] // server-to-client only
    [InlineData(XsMessageType.Error)] // server-to-client only
    public void Handle_ServerOnlyType_Einval(XsMessageType type)
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Send(type, "/a\0t\0"u8).Error);
    }

    [Fact]
    public void Handle_UnknownTransactionId_EnoentWithSameIds()
    {
        using var store = new StoreFixture();

        Frame reply = store.Dom0.Call(XsMessageType.Read, 42, "/tool");

        Assert.Equal(StoreError.ENOENT, reply.Error);
        Assert.Equal(42u, reply.Header.TransactionId);
    }

    [Fact]
    public void GetDomainPath_Domid_HomePath()
    {
        using var store = new StoreFixture();
        using TestClient guest = store.Connect(5);

        Assert.Equal("/local/domain/12|", guest.Call(XsMessageType.GetDomainPath, "12").Text);
        Assert.Equal(StoreError.EINVAL, guest.Call(XsMessageType.GetDomainPath, "x").Error);
    }

    [Fact]
    public void Write_NonTransactional_OneChangeSetWithNodeAndParent()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "1");
        ulong before = store.Engine.Generation;

        store.Dom0.Write("/a/b", "2");

        StoreChangeSet last = store.Persistence.Last;
        Assert.Equal(store.Persistence.Appended.Count, store.Dom0.LastTicket);
        Assert.Equal(["/a", "/a/b"], last.Upserts.Select(n => n.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["b"], last.Upserts.Single(n => n.Path == "/a").Children);
        Assert.Equal("2"u8.ToArray(), last.Upserts.Single(n => n.Path == "/a/b").Value);
        Assert.True(last.Generation > before);
        Assert.Equal(store.Engine.Generation, last.Generation);
        Assert.Null(last.Domains);
    }

    [Fact]
    public void Write_SameValueTwice_EachWriteNewGeneration()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "1");
        ulong first = store.Engine.Tree.Head("/a")!.Generation;

        store.Dom0.Write("/a", "1");

        Assert.True(store.Engine.Tree.Head("/a")!.Generation > first);
    }

    [Fact]
    public void Handle_AfterDispose_Throws()
    {
        using var store = new StoreFixture();
        TestClient client = store.Connect(0);
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.Read("/"));
    }

    [Fact]
    public void Dispose_Engine_DisposesPersistence()
    {
        var persistence = new RecordingPersistence();
        var engine = new StoreEngine(persistence);

        engine.Dispose();

        Assert.True(persistence.Disposed);
    }

    [Fact]
    public async Task WaitDurableAsync_Ticket_ForwardsToPersistence()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "1");

        await store.Engine.WaitDurableAsync(store.Dom0.LastTicket, TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<Exception>(async () => await store.Engine.WaitDurableAsync(999, TestContext.Current.CancellationToken));
    }
}
