using Passage.Store.Protocol;

namespace Passage.Store.Tests.Protocol;

public sealed class XsHeaderTests
{
    [Fact]
    public void Write_AllFields_LittleEndianAtTheirOffsets()
    {
        var header = new XsHeader(XsMessageType.Write, 0x0403_0201, 0x0807_0605, 0x0C0B_0A09);
        byte[] bytes = new byte[XsHeader.Size];

        header.Write(bytes);

        Assert.Equal(new byte[] { 11, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, bytes);
    }

    [Fact]
    public void TryRead_WrittenHeader_RoundTrips()
    {
        var header = new XsHeader(XsMessageType.DirectoryPart, 7, 3, 4096);
        byte[] bytes = new byte[XsHeader.Size + 5];
        header.Write(bytes);

        Assert.True(XsHeader.TryRead(bytes, out XsHeader read));
        Assert.Equal(header, read);
    }

    [Fact]
    public void TryRead_FifteenBytes_False()
    {
        Assert.False(XsHeader.TryRead(new byte[XsHeader.Size - 1], out _));
    }

    [Fact]
    public void MessageType_WireNumbers_Frozen()
    {
        // xs_wire.h numbering: clients and servers of every version depend on it.
        (XsMessageType Type, uint Number)[] frozen =
        [
            (XsMessageType.Control, 0), (XsMessageType.Directory, 1), (XsMessageType.Read, 2), (XsMessageType.GetPerms, 3),
            (XsMessageType.Watch, 4), (XsMessageType.Unwatch, 5), (XsMessageType.TransactionStart, 6), (XsMessageType.TransactionEnd, 7),
            (XsMessageType.Introduce, 8), (XsMessageType.Release, 9), (XsMessageType.GetDomainPath, 10), (XsMessageType.Write, 11),
            (XsMessageType.Mkdir, 12), (XsMessageType.Rm, 13), (XsMessageType.SetPerms, 14), (XsMessageType.WatchEvent, 15),
            (XsMessageType.Error, 16), (XsMessageType.IsDomainIntroduced, 17), (XsMessageType.Resume, 18), (XsMessageType.SetTarget, 19),
            (XsMessageType.Restrict, 20), (XsMessageType.ResetWatches, 21), (XsMessageType.DirectoryPart, 22), (XsMessageType.GetFeature, 23),
            (XsMessageType.SetFeature, 24), (XsMessageType.GetQuota, 25), (XsMessageType.SetQuota, 26), (XsMessageType.Invalid, 65535),
        ];

        Assert.All(frozen, f => Assert.Equal(f.Number, (uint)f.Type));
        Assert.Equal(frozen.Length, Enum.GetValues<XsMessageType>().Length);
    }

    [Fact]
    public void StoreError_XsWireOrder_Frozen()
    {
        // xs_wire.h's xsd_errors table is append-only; the index is what some clients compare.
        string[] order = ["EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM"];

        for (int i = 0; i < order.Length; i++)
        {
            Assert.Equal(order[i], ((StoreError)i).ToString());
        }

        Assert.Equal(order.Length + 1, Enum.GetValues<StoreError>().Length);
    }
}
