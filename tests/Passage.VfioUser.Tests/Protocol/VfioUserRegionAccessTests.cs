using Passage.Host.Devices;
using Passage.Tests.Shared;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>REGION_READ and REGION_WRITE (vfio-user.md §4): the 16-byte head alone or with its data, counts bounded by the transfer limit.</summary>
public sealed class VfioUserRegionAccessTests
{
    [Fact]
    public void WriteHead_ReadRequest_FieldsAtOffsetsAndReadBack()
    {
        byte[] bytes = new byte[16];

        Assert.Equal(16, new VfioUserRegionAccess(0x1122_3344_5566_7788, 7, 256).WriteHead(bytes));

        Assert.Equal(0x1122_3344_5566_7788ul, Wire.U64(bytes, 0));
        Assert.Equal(7u, Wire.U32(bytes, 8));
        Assert.Equal(256u, Wire.U32(bytes, 12));
        Assert.True(VfioUserRegionAccess.TryReadHead(bytes, out VfioUserRegionAccess read, out _));
        Assert.Equal(0x1122_3344_5566_7788ul, read.Offset);
        Assert.Equal(7u, read.Region);
        Assert.Equal(256u, read.Count);
        Assert.True(read.Data.IsEmpty);
    }

    [Fact]
    public void Write_WriteRequest_DataAfterTheHeadAndReadBackAsSlice()
    {
        byte[] data = [0xDE, 0xAD, 0xBE, 0xEF];
        byte[] bytes = new byte[20];

        Assert.Equal(20, new VfioUserRegionAccess(0x40, 2, data).Write(bytes));

        Assert.Equal(0x40ul, Wire.U64(bytes, 0));
        Assert.Equal(2u, Wire.U32(bytes, 8));
        Assert.Equal(4u, Wire.U32(bytes, 12));
        Assert.Equal(data, bytes[16..]);
        Assert.True(VfioUserRegionAccess.TryReadWithData(bytes, out VfioUserRegionAccess read, out _));
        Assert.Equal(data, read.Data.ToArray());
        Assert.True(read.Data.Overlaps(bytes.AsSpan(16))); // a slice of the payload, not a copy
    }

    [Theory]
    [InlineData(15)] // short
    [InlineData(17)] // a read request carries no data
    public void TryReadHead_PayloadNot16Bytes_Einval(int length)
    {
        byte[] bytes = new byte[length];

        Assert.False(VfioUserRegionAccess.TryReadHead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(3)] // count beyond the payload
    [InlineData(5)] // more data than the count
    [InlineData(0)] // head alone where data is due
    public void TryReadWithData_DataNotCount_Einval(int dataLength)
    {
        byte[] bytes = new byte[16 + dataLength];
        new VfioUserRegionAccess(0, 0, 4).WriteHead(bytes);

        Assert.False(VfioUserRegionAccess.TryReadWithData(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryReadHead_CountAboveTransferLimit_Einval()
    {
        byte[] bytes = new byte[16];
        new VfioUserRegionAccess(0, 0, VfioUserLimits.MaxDataTransfer + 1).WriteHead(bytes);

        Assert.False(VfioUserRegionAccess.TryReadHead(bytes, out _, out _));
        new VfioUserRegionAccess(0, 0, VfioUserLimits.MaxDataTransfer).WriteHead(bytes);
        Assert.True(VfioUserRegionAccess.TryReadHead(bytes, out _, out _));
    }

    [Fact]
    public void TryReadHead_CountAboveCallersLimit_Einval()
    {
        byte[] bytes = new byte[16];
        new VfioUserRegionAccess(0, 0, 4097).WriteHead(bytes);

        Assert.False(VfioUserRegionAccess.TryReadHead(bytes, out _, out _, maxCount: 4096));
        Assert.True(VfioUserRegionAccess.TryReadHead(bytes, out _, out _, maxCount: 4097));
    }

    [Fact]
    public void TryReadHead_CallersLimitAboveHardLimit_HardLimitStillApplies()
    {
        byte[] bytes = new byte[16];
        new VfioUserRegionAccess(0, 0, VfioUserLimits.MaxDataTransfer + 1).WriteHead(bytes);

        Assert.False(VfioUserRegionAccess.TryReadHead(bytes, out _, out _, maxCount: uint.MaxValue));
    }

    [Fact]
    public void TryReadHead_OffsetPlusCountWraps_Einval()
    {
        byte[] bytes = new byte[16];
        new VfioUserRegionAccess(ulong.MaxValue - 2, 0, 4).WriteHead(bytes);

        Assert.False(VfioUserRegionAccess.TryReadHead(bytes, out _, out _));
    }

    [Fact]
    public void TryReadWithData_WriteRequest_AllocatesNothing()
    {
        byte[] bytes = new byte[16 + 64];
        new VfioUserRegionAccess(0x100, 0, new byte[64]).Write(bytes);
        long total = 0, calls = 0;

        long allocated = AllocationMeter.Least(
            round =>
            {
                calls++;
                VfioUserRegionAccess.TryReadWithData(bytes, out VfioUserRegionAccess access, out _);
                total += access.Data.Length;
            },
            iterations: 1000);

        Assert.Equal(0, allocated);
        Assert.Equal(64 * calls, total);
    }
}
