using Passage.Store.Protocol;
using Passage.Store.Tests.Support;
using Passage.Store.Tree;

namespace Passage.Store.Tests.Engine;

/// <summary>CONTROL commands (store.md §2).</summary>
public sealed class ControlTests
{
    [Fact]
    public void Help_ListsEveryCommand()
    {
        using var store = new StoreFixture();

        string text = store.Dom0.Call(XsMessageType.Control, "help").Text;

        Assert.EndsWith("|", text, StringComparison.Ordinal);
        foreach (string command in new[] { "help", "quota", "quota-soft", "print", "check" })
        {
            Assert.Contains("  " + command, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Quota_PrintsConfiguredLimits()
    {
        using var store = new StoreFixture(new StoreOptions { NodeQuota = 77, WatchQuota = 5 });

        string text = store.Dom0.Call(XsMessageType.Control, "quota").Text;

        Assert.Contains("nodes 77\n", text, StringComparison.Ordinal);
        Assert.Contains("watches 5\n", text, StringComparison.Ordinal);
        Assert.Contains("node-size 2048\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Quota_Domain_PrintsUsage()
    {
        using var store = new StoreFixture();
        store.MakeHome(5);
        using TestClient five = store.Connect(5);
        five.Write("a", "");
        five.Watch("/w", "t");
        five.Start();

        Assert.Equal("nodes 2\nwatches 1\ntransactions 1\n|", store.Dom0.Call(XsMessageType.Control, "quota", "5").Text);
    }

    [Fact]
    public void QuotaSoft_Answered()
    {
        using var store = new StoreFixture();

        Frame reply = store.Dom0.Call(XsMessageType.Control, "quota-soft");

        Assert.Equal(StoreError.None, reply.Error);
        Assert.EndsWith("|", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Print_Ok()
    {
        using var store = new StoreFixture();

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Control, "print", "hello").Text);
    }

    [Fact]
    public void Check_SoundTree_Ok()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a/b/c", "");
        store.Dom0.Rm("/a/b");

        Assert.Equal("OK|", store.Dom0.Call(XsMessageType.Control, "check").Text);
    }

    [Fact]
    public void Check_BrokenChildLink_EioAndFindingsNamed()
    {
        using var store = new StoreFixture();
        store.Dom0.Write("/a", "");
        Node root = store.Engine.Tree.Head("/")!;
        Node broken = root.WithChildAdded("ghost");
        broken.Generation = root.Generation;
        store.Engine.Tree.Install(broken, keepOlder: false);

        Assert.Equal(StoreError.EIO, store.Dom0.Call(XsMessageType.Control, "check").Error);
        Assert.Contains("/: child 'ghost' missing", TreeCheck.Run(store.Engine.Tree));
    }

    [Theory]
    [InlineData("nonsense")] // unknown command
    [InlineData("")] // empty command
    public void Unknown_Einval(string command)
    {
        using var store = new StoreFixture();

        Assert.Equal(StoreError.EINVAL, store.Dom0.Call(XsMessageType.Control, command).Error);
    }
}
