using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DMA_UNMAP and its echoed reply (vfio-user.md §4): 24 bytes; unmap-all carries no range, a single unmap a non-empty one.</summary>
public sealed class VfioUserDmaUnmapTests
{
    [Fact]
    public void Write_Fields_LandAtTheirOffsetsAndReadBack()
    {
        VfioUserDmaUnmap unmap = VfioUserDmaUnmap.Create(VfioUserDmaUnmapFlags.None, 0xABCD_0000, 0x4000);
        byte[] bytes = new byte[24];

        Assert.Equal(24, unmap.Write(bytes));

        Assert.Equal(24u, Wire.U32(bytes, 0));
        Assert.Equal(0u, Wire.U32(bytes, 4));
        Assert.Equal(0xABCD_0000ul, Wire.U64(bytes, 8));
        Assert.Equal(0x4000ul, Wire.U64(bytes, 16));
        Assert.True(VfioUserDmaUnmap.TryRead(bytes, out VfioUserDmaUnmap read, out _));
        Assert.Equal(unmap, read);
        Assert.False(read.UnmapAll);
    }

    [Fact]
    public void TryRead_UnmapAllWithoutRange_Accepted()
    {
        byte[] bytes = new byte[24];
        VfioUserDmaUnmap.Create(VfioUserDmaUnmapFlags.All, 0, 0).Write(bytes);

        Assert.True(VfioUserDmaUnmap.TryRead(bytes, out VfioUserDmaUnmap read, out _));
        Assert.Equal(2u, Wire.U32(bytes, 4));
        Assert.True(read.UnmapAll);
    }

    [Theory]
    [InlineData(24u, 2u, 0x1000ul, 0ul)] // unmap-all with an address
    [InlineData(24u, 2u, 0ul, 0x1000ul)] // unmap-all with a size
    [InlineData(24u, 0u, 0x1000ul, 0ul)] // single unmap of nothing
    [InlineData(24u, 0u, 0xFFFF_FFFF_FFFF_F000ul, 0x2000ul)] // wraps
    [InlineData(23u, 0u, 0x1000ul, 0x1000ul)] // argsz below the fixed part
    public void TryRead_BadField_Einval(uint argsz, uint flags, ulong address, ulong size)
    {
        byte[] bytes = new byte[24];
        new VfioUserDmaUnmap(argsz, (VfioUserDmaUnmapFlags)flags, address, size).Write(bytes);

        Assert.False(VfioUserDmaUnmap.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(25)]
    [InlineData(32)] // a DMA_MAP's size
    public void TryRead_PayloadNot24Bytes_Einval(int length)
    {
        byte[] bytes = new byte[length];
        Wire.PutU32(bytes, 0, 24);

        Assert.False(VfioUserDmaUnmap.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }
}
