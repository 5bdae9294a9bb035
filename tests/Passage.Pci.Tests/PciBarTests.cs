namespace Passage.Pci.Tests;

public sealed class PciBarTests
{
    private static IReadOnlyList<PciBar> Decode(ConfigSpaceBuilder b, IReadOnlyDictionary<int, ulong>? sizes = null) => PciBar.Decode(b.Build(), sizes);

    [Theory]
    [InlineData(0x0000_C001u, 0xC000ul)] // I/O port range 0xC000
    [InlineData(0x0000_E0F7u, 0xE0F4ul)] // bit 1 is reserved, address mask 0xFFFFFFFC
    [InlineData(0x0001_0001u, 0x1_0000ul)] // bits above 15 are kept as read
    public void Decode_IoBar_AddressUnderIoMask(uint raw, ulong address)
    {
        PciBar bar = Assert.Single(Decode(TestSpaces.Endpoint().Set32(0x14, raw)));

        Assert.Equal(new PciBar(1, BarKind.Io, false, address, null), bar);
        Assert.False(bar.IsMemory);
        Assert.Equal("io", bar.KindName);
    }

    [Theory]
    [InlineData(0xFEB0_0000u, false, 0xFEB0_0000ul)] // non-prefetchable
    [InlineData(0xE000_0008u, true, 0xE000_0000ul)] // bit 3 prefetchable
    [InlineData(0xFEBF_1000u, false, 0xFEBF_1000ul)] // 4 KiB aligned
    [InlineData(0x000F_0002u, false, 0x000F_0000ul)] // legacy below-1-MiB type counts as 32-bit
    public void Decode_Mem32Bar_AddressUnderMemoryMask(uint raw, bool prefetchable, ulong address)
    {
        PciBar bar = Assert.Single(Decode(TestSpaces.Endpoint().Set32(0x18, raw)));

        Assert.Equal(new PciBar(2, BarKind.Mem32, prefetchable, address, null), bar);
        Assert.True(bar.IsMemory);
        Assert.Equal("mem32", bar.KindName);
    }

    [Fact]
    public void Decode_Mem64Pair_CombinesBothHalvesAndSkipsUpperSlot()
    {
        // BAR2 = 0xC000000C (64-bit prefetchable), BAR3 = 0x38 (upper half), BAR4 = 32-bit.
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint()
            .Set32(0x18, 0xC000_000C)
            .Set32(0x1C, 0x0000_0038)
            .Set32(0x20, 0xFE00_0000));

        Assert.Equal(
            [
                new PciBar(2, BarKind.Mem64, true, 0x38_C000_0000, null),
                new PciBar(4, BarKind.Mem32, false, 0xFE00_0000, null),
            ],
            bars);
        Assert.Equal("mem64", bars[0].KindName);
    }

    [Fact]
    public void Decode_Mem64WithZeroAddress_StillListedByItsTypeBits()
    {
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint().Set32(0x10, 0x0000_0004));

        Assert.Equal([new PciBar(0, BarKind.Mem64, false, 0, null)], bars);
    }

    [Fact]
    public void Decode_Mem64InLastSlot_HasNoUpperHalf()
    {
        // BAR5 claims 64-bit; 0x28 (CardBus CIS) is not its upper half.
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint().Set32(0x24, 0x8000_0004).Set32(0x28, 0x1234_5678));

        Assert.Equal([new PciBar(5, BarKind.Mem64, false, 0x8000_0000, null)], bars);
    }

    [Fact]
    public void Decode_AllZero_ReturnsNoBars()
    {
        Assert.Empty(Decode(TestSpaces.Endpoint()));
    }

    [Fact]
    public void Decode_ZeroBarWithKnownSize_ListedWithSize()
    {
        var sizes = new Dictionary<int, ulong> { [3] = 0x1000 };

        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint(), sizes);

        Assert.Equal([new PciBar(3, BarKind.Mem32, false, 0, 0x1000)], bars);
    }

    [Fact]
    public void Decode_SizeZero_TreatedAsUnknown()
    {
        var sizes = new Dictionary<int, ulong> { [0] = 0, [1] = 0x10_0000 };

        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint().Set32(0x10, 0xFE00_0000).Set32(0x14, 0xFD00_0000), sizes);

        Assert.Equal([new PciBar(0, BarKind.Mem32, false, 0xFE00_0000, null), new PciBar(1, BarKind.Mem32, false, 0xFD00_0000, 0x10_0000)], bars);
    }

    [Fact]
    public void Decode_IoBarWithZeroAddress_ListedBecauseItDoesNotReadZero()
    {
        // An implemented I/O BAR reads bit 0 = 1 even when unassigned (only a BAR reading 0 is unimplemented).
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint().Set32(0x10, 0x0000_0001));

        Assert.Equal([new PciBar(0, BarKind.Io, false, 0, null)], bars);
    }

    [Fact]
    public void Decode_BridgeHeader_OnlyTwoBars()
    {
        // 0x18 onwards holds bus numbers and windows, never BARs.
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Bridge()
            .Set32(0x10, 0xFE80_0000)
            .Set32(0x18, 0x0005_0100)
            .Set32(0x20, 0xFE90_FE80));

        Assert.Equal([new PciBar(0, BarKind.Mem32, false, 0xFE80_0000, null)], bars);
    }

    [Fact]
    public void Decode_BridgeMem64InBar1_DoesNotTakeBusNumbersAsUpperHalf()
    {
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Bridge().Set32(0x14, 0xF000_000C).Set32(0x18, 0x0005_0100));

        Assert.Equal([new PciBar(1, BarKind.Mem64, true, 0xF000_0000, null)], bars);
    }

    [Fact]
    public void Decode_BuilderBars_RoundTrip()
    {
        IReadOnlyList<PciBar> bars = Decode(TestSpaces.Endpoint()
            .Bar(0, BarKind.Mem64, 0x60_0000_0000, prefetchable: true)
            .Bar(2, BarKind.Mem32, 0xFE00_0000)
            .Bar(3, BarKind.Io, 0xD000));

        Assert.Equal(
            [
                new PciBar(0, BarKind.Mem64, true, 0x60_0000_0000, null),
                new PciBar(2, BarKind.Mem32, false, 0xFE00_0000, null),
                new PciBar(3, BarKind.Io, false, 0xD000, null),
            ],
            bars);
    }
}
