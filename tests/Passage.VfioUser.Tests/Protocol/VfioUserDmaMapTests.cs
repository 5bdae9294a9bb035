using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DMA_MAP (vfio-user.md §4): 32 bytes at their offsets; wrong sizes, short argsz, empty and wrapping windows refused.</summary>
public sealed class VfioUserDmaMapTests
{
    [Fact]
    public void Write_Fields_LandAtTheirOffsetsAndReadBack()
    {
        VfioUserDmaMap map = VfioUserDmaMap.Create(VfioUserDmaMapFlags.Read | VfioUserDmaMapFlags.Write, 0x1111_2222_3333_4444, 0x0000_0001_0000_0000, 0x20_0000);
        byte[] bytes = new byte[32];

        Assert.Equal(32, map.Write(bytes));

        Assert.Equal(32u, Wire.U32(bytes, 0));
        Assert.Equal(3u, Wire.U32(bytes, 4));
        Assert.Equal(0x1111_2222_3333_4444ul, Wire.U64(bytes, 8));
        Assert.Equal(0x0000_0001_0000_0000ul, Wire.U64(bytes, 16));
        Assert.Equal(0x20_0000ul, Wire.U64(bytes, 24));
        Assert.True(VfioUserDmaMap.TryRead(bytes, out VfioUserDmaMap read, out Errno error));
        Assert.Equal(Errno.None, error);
        Assert.Equal(map, read);
    }

    [Theory]
    [InlineData(0)] // empty
    [InlineData(31)] // one short
    [InlineData(33)] // one long
    public void TryRead_PayloadNot32Bytes_Einval(int length)
    {
        byte[] bytes = new byte[length];
        if (length >= 32)
        {
            VfioUserDmaMap.Create(VfioUserDmaMapFlags.Read, 0, 0x1000, 0x1000).Write(bytes);
        }

        Assert.False(VfioUserDmaMap.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(31u, 0x1000ul, 0x1000ul, 0ul)] // argsz below the fixed part
    [InlineData(32u, 0x1000ul, 0ul, 0ul)] // empty window
    [InlineData(32u, 0xFFFF_FFFF_FFFF_F000ul, 0x2000ul, 0ul)] // address + size wraps
    [InlineData(32u, 0x1000ul, 0x2000ul, 0xFFFF_FFFF_FFFF_F000ul)] // offset + size wraps
    public void TryRead_BadField_Einval(uint argsz, ulong address, ulong size, ulong offset)
    {
        byte[] bytes = new byte[32];
        new VfioUserDmaMap(argsz, VfioUserDmaMapFlags.Read, offset, address, size).Write(bytes);

        Assert.False(VfioUserDmaMap.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_WindowEndingAtTopOfSpace_Accepted()
    {
        byte[] bytes = new byte[32];
        VfioUserDmaMap.Create(VfioUserDmaMapFlags.Write, 0, 0xFFFF_FFFF_FFFF_F000, 0xFFF).Write(bytes);

        Assert.True(VfioUserDmaMap.TryRead(bytes, out VfioUserDmaMap map, out _));
        Assert.Equal(0xFFFul, map.Size);
    }
}
