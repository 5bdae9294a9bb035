namespace Passage.Pci.Tests;

public sealed class BarEncodingTests
{
    [Theory]
    [InlineData(0xFFF0_0000ul, 0xFFFF_FFF0ul, 0x10_0000ul)] // 32-bit memory: 1 MiB
    [InlineData(0xF000_0008ul, 0xFFFF_FFF0ul, 0x1000_0000ul)] // prefetchable 32-bit: type bits cleared first, 256 MiB
    [InlineData(0xFFFF_F000ul, 0xFFFF_FFF0ul, 0x1000ul)] // 4 KiB register block
    [InlineData(0xFFFF_FFFF_C000_000Cul, 0xFFFF_FFFF_FFFF_FFF0ul, 0x4000_0000ul)] // 64-bit pair combined: 1 GiB
    [InlineData(0xFFFF_FFF0_0000_000Cul, 0xFFFF_FFFF_FFFF_FFF0ul, 0x10_0000_0000ul)] // 64-bit pair, lower half all type bits: 64 GiB
    [InlineData(0x0000_FFE1ul, 0xFFFF_FFFCul, 0x20ul)] // x86 I/O BAR with 31:16 reading 0: 32 ports
    [InlineData(0xFFFF_FFE1ul, 0xFFFF_FFFCul, 0x20ul)] // same I/O BAR with 31:16 reading 1
    [InlineData(0x0000_FFFDul, 0xFFFF_FFFCul, 0x4ul)] // smallest I/O BAR: 4 ports
    [InlineData(0xFFFE_0000ul, 0xFFFF_F800ul, 0x2_0000ul)] // ROM: 128 KiB
    [InlineData(0xFFFF_F801ul, 0xFFFF_F800ul, 0x800ul)] // ROM enable bit ignored: 2 KiB
    public void SizeFromProbe_ReadBack_IsLowestAddressBit(ulong readBack, ulong mask, ulong size)
    {
        Assert.Equal(size, BarEncoding.SizeFromProbe(readBack, mask));
    }

    [Theory]
    [InlineData(0x0000_0000ul, 0xFFFF_FFF0ul)] // memory BAR reading 0: unimplemented
    [InlineData(0x0000_000Cul, 0xFFFF_FFF0ul)] // only type bits: unimplemented
    [InlineData(0x0000_0001ul, 0xFFFF_FFFCul)] // I/O BAR with no address bits
    public void SizeFromProbe_NoAddressBits_IsZero(ulong readBack, ulong mask)
    {
        Assert.Equal(0ul, BarEncoding.SizeFromProbe(readBack, mask));
    }

    [Theory]
    [InlineData(HeaderLayout.Endpoint, 6, 0x30)] // type 0: BAR0-5, ROM at 0x30
    [InlineData(HeaderLayout.Bridge, 2, 0x38)] // type 1: BAR0-1, ROM at 0x38
    [InlineData(HeaderLayout.CardBus, 1, -1)] // type 2: one BAR, no ROM
    [InlineData((HeaderLayout)3, 0, -1)] // undefined layout
    public void BarCountAndRomOffset_Layout_MatchHeaderTable(HeaderLayout layout, int bars, int rom)
    {
        Assert.Equal(bars, BarEncoding.BarCount(layout));
        Assert.Equal(rom, BarEncoding.RomOffset(layout));
    }

    [Fact]
    public void Constants_TypeBits_MatchSpec()
    {
        Assert.Equal(
            (0x1u, 0x6u, 0x0u, 0x4u, 0x8u, 0xFFFF_FFF0u, 0xFFFF_FFFCu, 0x1u, 0xFFFF_F800u),
            (BarEncoding.IoSpace, BarEncoding.MemoryTypeMask, BarEncoding.MemoryType32, BarEncoding.MemoryType64, BarEncoding.Prefetchable,
             BarEncoding.MemoryAddressMask, BarEncoding.IoAddressMask, BarEncoding.RomEnable, BarEncoding.RomAddressMask));
    }
}
