using Passage.Store.Protocol;

namespace Passage.Store.Tests.Protocol;

public sealed class XsErrorNamesTests
{
    // The wire names, frozen: clients of every version compare these bytes.
    private static readonly (StoreError Error, string Name)[] Frozen =
    [
        (StoreError.EINVAL, "EINVAL"), (StoreError.EACCES, "EACCES"), (StoreError.EEXIST, "EEXIST"), (StoreError.EISDIR, "EISDIR"),
        (StoreError.ENOENT, "ENOENT"), (StoreError.ENOMEM, "ENOMEM"), (StoreError.ENOSPC, "ENOSPC"), (StoreError.EIO, "EIO"),
        (StoreError.ENOTEMPTY, "ENOTEMPTY"), (StoreError.ENOSYS, "ENOSYS"), (StoreError.EROFS, "EROFS"), (StoreError.EBUSY, "EBUSY"),
        (StoreError.EAGAIN, "EAGAIN"), (StoreError.EISCONN, "EISCONN"), (StoreError.E2BIG, "E2BIG"), (StoreError.EPERM, "EPERM"),
    ];

    [Fact]
    public void NameOf_EveryError_FrozenName()
    {
        Assert.All(Frozen, f => Assert.Equal(f.Name, System.Text.Encoding.ASCII.GetString(XsErrorNames.NameOf(f.Error))));
        Assert.Equal(Enum.GetValues<StoreError>().Length - 1, Frozen.Length);
    }

    [Fact]
    public void TryParse_EveryFrozenName_ItsError()
    {
        Assert.All(Frozen, f =>
        {
            Assert.True(XsErrorNames.TryParse(System.Text.Encoding.ASCII.GetBytes(f.Name), out StoreError error));
            Assert.Equal(f.Error, error);
        });
    }

    [Fact]
    public void NameOf_None_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => XsErrorNames.NameOf(StoreError.None).Length);
    }

    [Theory]
    [InlineData("EQUOTA\0")] // oxenstored's quota error, not in xs_wire.h
    [InlineData("\0")] // an empty name
    [InlineData("")] // no payload at all
    [InlineData("einval\0")] // names are case-sensitive
    [InlineData("EAGAINX\0")] // a listed name with a suffix
    public void FromPayload_UnlistedName_Einval(string payload)
    {
        Assert.Equal(StoreError.EINVAL, XsErrorNames.FromPayload(System.Text.Encoding.ASCII.GetBytes(payload)));
    }

    [Theory]
    [InlineData("EAGAIN\0", StoreError.EAGAIN)] // the usual NUL-terminated name
    [InlineData("EPERM", StoreError.EPERM)] // a name without its NUL
    [InlineData("ENOENT\0junk", StoreError.ENOENT)] // bytes after the NUL are ignored
    public void FromPayload_ListedName_ItsError(string payload, StoreError expected)
    {
        Assert.Equal(expected, XsErrorNames.FromPayload(System.Text.Encoding.ASCII.GetBytes(payload)));
    }
}
