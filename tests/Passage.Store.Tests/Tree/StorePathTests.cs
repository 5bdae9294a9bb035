using Passage.Store.Tree;

namespace Passage.Store.Tests.Tree;

/// <summary>Path validation, resolution and arithmetic (store.md §4).</summary>
public sealed class StorePathTests
{
    [Theory]
    [InlineData("/", 0, "/", 0)] // the root
    [InlineData("/a/b-c_D@9", 0, "/a/b-c_D@9", 0)] // every allowed character class
    [InlineData("x/y", 7, "/local/domain/7/x/y", 1)] // relative under the caller's home
    [InlineData("@introduceDomain", 3, "@introduceDomain", 2)] // watch name
    [InlineData("@releaseDomain/12", 3, "@releaseDomain/12", 2)] // per-domain release watch
    public void Resolve_ValidPath_AbsoluteForm(string raw, int domainId, string expected, int kind)
    {
        char[] buffer = new char[StorePath.MaxResolvedLength];

        StoreError error = StorePath.Resolve(System.Text.Encoding.ASCII.GetBytes(raw), domainId, 2048, buffer, out int length, out PathKind actualKind);

        Assert.Equal(StoreError.None, error);
        Assert.Equal(expected, new string(buffer, 0, length));
        Assert.Equal((PathKind)kind, actualKind);
    }

    [Theory]
    [InlineData("")] // empty
    [InlineData("//")] // double slash
    [InlineData("/a//b")] // double slash inside
    [InlineData("a//b")] // double slash in a relative path
    [InlineData("/a/")] // trailing slash
    [InlineData("a/")] // trailing slash, relative
    [InlineData("/a b")] // space
    [InlineData("/a\tb")] // control character
    [InlineData("/ä")] // non-ASCII
    [InlineData("@releaseDomain/")] // release name without a domid
    [InlineData("@releaseDomain/x")] // release name with a non-numeric domid
    [InlineData("@foo")] // unknown watch name
    public void Resolve_InvalidPath_Einval(string raw)
    {
        char[] buffer = new char[StorePath.MaxResolvedLength];

        Assert.Equal(StoreError.EINVAL, StorePath.Resolve(System.Text.Encoding.UTF8.GetBytes(raw), 0, 2048, buffer, out _, out _));
    }

    [Theory]
    [InlineData("/local/domain/5/abc", 3)] // the home prefix is dropped
    [InlineData("/local/domain/5", 15)] // the home itself counts whole
    [InlineData("/local/domain/x/abc", 19)] // not a domid: counts whole
    [InlineData("/abc", 4)] // anything else counts whole
    public void QuotaLength_DropsLeadingDomainPrefix(string path, int expected)
    {
        Assert.Equal(expected, StorePath.QuotaLength(path));
    }

    [Theory]
    [InlineData("/a/b", "/a", true)] // child
    [InlineData("/a", "/a", true)] // same
    [InlineData("/ab", "/a", false)] // sibling sharing a prefix
    [InlineData("/a", "/", true)] // everything is under the root
    [InlineData("/a", "/a/b", false)] // above
    public void IsAtOrBelow_Boundaries(string path, string ancestor, bool expected)
    {
        Assert.Equal(expected, StorePath.IsAtOrBelow(path, ancestor));
    }

    [Theory]
    [InlineData("/a/b", "/a")] // nested
    [InlineData("/a", "/")] // top level
    public void Parent_OfPath(string path, string expected)
    {
        Assert.Equal(expected, StorePath.Parent(path));
        Assert.Equal(expected, new string(StorePath.Parent(path.AsSpan())));
    }
}
