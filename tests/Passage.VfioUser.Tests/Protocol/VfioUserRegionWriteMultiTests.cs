using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>REGION_WRITE_MULTI (vfio-user.md §4): wr_cnt and 24-byte entries of up to 8 bytes; the reply's wr_cnt.</summary>
public sealed class VfioUserRegionWriteMultiTests
{
    [Fact]
    public void Write_TwoEntries_LandAtTheirOffsetsAndReadBack()
    {
        VfioUserRegionWriteEntry[] entries =
        [
            VfioUserRegionWriteEntry.Create(0x40, 0, [1, 2, 3, 4]),
            VfioUserRegionWriteEntry.Create(0x1000, 2, [9, 8, 7, 6, 5, 4, 3, 2]),
        ];
        byte[] bytes = new byte[56];

        Assert.Equal(56, VfioUserRegionWriteMulti.Write(bytes, entries));

        Assert.Equal(2ul, Wire.U64(bytes, 0));
        Assert.Equal(0x40ul, Wire.U64(bytes, 8));
        Assert.Equal(0u, Wire.U32(bytes, 16));
        Assert.Equal(4u, Wire.U32(bytes, 20));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 0, 0, 0, 0 }, bytes[24..32]);
        Assert.Equal(0x1000ul, Wire.U64(bytes, 32));
        Assert.Equal(2u, Wire.U32(bytes, 40));
        Assert.Equal(8u, Wire.U32(bytes, 44));
        Assert.Equal(new byte[] { 9, 8, 7, 6, 5, 4, 3, 2 }, bytes[48..56]);

        Assert.True(VfioUserRegionWriteMulti.TryRead(bytes, out VfioUserRegionWriteMulti read, out _));
        Assert.Equal(2, read.Count);
        Assert.Equal(entries[1], read.GetEntry(1));
        byte[] data = new byte[8];
        Assert.Equal(4, read.GetEntry(0).CopyData(data));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, data[..4]);
    }

    [Theory]
    [InlineData(3ul, 2)] // wr_cnt beyond the entries
    [InlineData(1ul, 2)] // entries beyond wr_cnt
    [InlineData(ulong.MaxValue, 1)]
    public void TryRead_CountNotTheEntries_Einval(ulong count, int entries)
    {
        byte[] bytes = new byte[8 + (24 * entries)];
        Wire.PutU64(bytes, 0, count);
        for (int i = 0; i < entries; i++)
        {
            Wire.PutU32(bytes, 8 + (24 * i) + 12, 4);
        }

        Assert.False(VfioUserRegionWriteMulti.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(9u)] // more than the 8 data bytes
    public void TryRead_EntryCountOutside1To8_Einval(uint entryCount)
    {
        byte[] bytes = new byte[32];
        Wire.PutU64(bytes, 0, 1);
        Wire.PutU32(bytes, 20, entryCount);

        Assert.False(VfioUserRegionWriteMulti.TryRead(bytes, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)] // short of wr_cnt
    [InlineData(8 + 23)] // a partial entry
    public void TryRead_PayloadNotWholeEntries_Einval(int length)
    {
        byte[] bytes = new byte[length];
        if (length >= 8)
        {
            Wire.PutU64(bytes, 0, 1);
        }

        Assert.False(VfioUserRegionWriteMulti.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void Reply_WrittenCount_ReadsBackFrom8Bytes()
    {
        byte[] bytes = new byte[8];

        Assert.Equal(8, VfioUserRegionWriteMulti.WriteReply(bytes, 5));

        Assert.Equal(5ul, Wire.U64(bytes, 0));
        Assert.True(VfioUserRegionWriteMulti.TryReadReply(bytes, out ulong completed, out _));
        Assert.Equal(5ul, completed);
        Assert.False(VfioUserRegionWriteMulti.TryReadReply(new byte[9], out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void Create_DataOutside1To8Bytes_Throws(int length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => VfioUserRegionWriteEntry.Create(0, 0, new byte[length]));
}
