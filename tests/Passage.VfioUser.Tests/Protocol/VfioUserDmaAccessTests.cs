using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DMA_READ and DMA_WRITE (vfio-user.md §4, §8 rule 6): address and u64 count, data where carried; the DMA_WRITE reply is exactly 16 bytes.</summary>
public sealed class VfioUserDmaAccessTests
{
    [Fact]
    public void WriteHead_DmaWriteReply_Exactly16BytesEchoingAddressAndCount()
    {
        byte[] bytes = Enumerable.Repeat((byte)0xEE, 24).ToArray();

        Assert.Equal(16, new VfioUserDmaAccess(0x1_0000_0000, 0x800).WriteHead(bytes));

        Assert.Equal(0x1_0000_0000ul, Wire.U64(bytes, 0));
        Assert.Equal(0x800ul, Wire.U64(bytes, 8));
        Assert.All(bytes[16..], b => Assert.Equal(0xEE, b));
        Assert.True(VfioUserDmaAccess.TryReadHead(bytes.AsSpan(0, 16), out VfioUserDmaAccess read, out _));
        Assert.Equal(0x1_0000_0000ul, read.Address);
        Assert.Equal(0x800ul, read.Count);
    }

    [Fact]
    public void Write_DmaWriteRequest_DataAt16AndReadBack()
    {
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        byte[] bytes = new byte[25];

        Assert.Equal(25, new VfioUserDmaAccess(0xABC0, data).Write(bytes));

        Assert.Equal(0xABC0ul, Wire.U64(bytes, 0));
        Assert.Equal(9ul, Wire.U64(bytes, 8)); // a u64 count, not QEMU's u32
        Assert.Equal(data, bytes[16..]);
        Assert.True(VfioUserDmaAccess.TryReadWithData(bytes, out VfioUserDmaAccess read, out _));
        Assert.Equal(data, read.Data.ToArray());
    }

    [Theory]
    [InlineData(0)] // libvfio-user fails an empty reply
    [InlineData(12)] // QEMU's {u64, u32} layout
    [InlineData(24)] // a longer body would desynchronise the stream
    public void TryReadHead_DmaWriteReplyNot16Bytes_Einval(int length)
    {
        Assert.False(VfioUserDmaAccess.TryReadHead(new byte[length], out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(7)] // count beyond the payload
    [InlineData(9)]
    public void TryReadWithData_DataNotCount_Einval(int dataLength)
    {
        byte[] bytes = new byte[16 + dataLength];
        new VfioUserDmaAccess(0, 8).WriteHead(bytes);

        Assert.False(VfioUserDmaAccess.TryReadWithData(bytes, out _, out _));
    }

    [Theory]
    [InlineData(VfioUserLimits.MaxDataTransfer + 1ul)]
    [InlineData(ulong.MaxValue)] // would not even fit an int
    public void TryReadHead_CountAboveTransferLimit_Einval(ulong count)
    {
        byte[] bytes = new byte[16];
        new VfioUserDmaAccess(0, count).WriteHead(bytes);

        Assert.False(VfioUserDmaAccess.TryReadHead(bytes, out _, out _));
    }

    [Fact]
    public void TryReadHead_AddressPlusCountWraps_Einval()
    {
        byte[] bytes = new byte[16];
        new VfioUserDmaAccess(ulong.MaxValue, 1).WriteHead(bytes);

        Assert.False(VfioUserDmaAccess.TryReadHead(bytes, out _, out _));
    }

    [Fact]
    public void TryReadHead_CountAboveCallersLimit_Einval()
    {
        byte[] bytes = new byte[16];
        new VfioUserDmaAccess(0, 65536).WriteHead(bytes);

        Assert.False(VfioUserDmaAccess.TryReadHead(bytes, out _, out _, maxCount: 65535));
        Assert.True(VfioUserDmaAccess.TryReadHead(bytes, out _, out _, maxCount: 65536));
    }
}
