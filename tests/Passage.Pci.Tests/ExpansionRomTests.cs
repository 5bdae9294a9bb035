namespace Passage.Pci.Tests;

public sealed class ExpansionRomTests
{
    [Theory]
    [InlineData(0xFEB8_0001u, 0xFEB8_0000ul, true)] // enabled at 0xFEB80000
    [InlineData(0xFEB8_0000u, 0xFEB8_0000ul, false)] // programmed, not enabled
    [InlineData(0xFEB8_07FFu, 0xFEB8_0000ul, true)] // bits 10:1 are not address bits
    [InlineData(0xFEB8_0800u, 0xFEB8_0800ul, false)] // bit 11 is the lowest address bit
    public void Decode_EndpointRomAt0x30_SplitsAddressAndEnable(uint raw, ulong address, bool enabled)
    {
        ExpansionRom? rom = ExpansionRom.Decode(TestSpaces.Endpoint().Set32(0x30, raw).Build());

        Assert.Equal(new ExpansionRom(address, enabled, null), rom);
    }

    [Fact]
    public void Decode_BridgeRom_ReadsFrom0x38()
    {
        // On a bridge 0x30 is the I/O upper halves, not a ROM.
        ConfigSpace c = TestSpaces.Bridge().Set32(0x30, 0x0001_0001).Set32(0x38, 0xFE00_0001).Build();

        Assert.Equal(new ExpansionRom(0xFE00_0000, true, null), ExpansionRom.Decode(c));
    }

    [Fact]
    public void Decode_EndpointWithValueAt0x38_ReturnsNull()
    {
        ConfigSpace c = TestSpaces.Endpoint().Set32(0x38, 0xFE00_0001).Build();

        Assert.Null(ExpansionRom.Decode(c));
    }

    [Theory]
    [InlineData(0x0000_0000u)] // not implemented
    [InlineData(0xFFFF_FFFFu)] // not answering
    public void Decode_EmptyRegisterWithoutSize_ReturnsNull(uint raw)
    {
        Assert.Null(ExpansionRom.Decode(TestSpaces.Endpoint().Set32(0x30, raw).Build()));
    }

    [Fact]
    public void Decode_ZeroRegisterWithKnownSize_ReturnsRomWithSize()
    {
        Assert.Equal(new ExpansionRom(0, false, 0x2_0000), ExpansionRom.Decode(TestSpaces.Endpoint().Build(), 0x2_0000));
    }

    [Fact]
    public void Decode_SizeZero_TreatedAsUnknown()
    {
        Assert.Equal(new ExpansionRom(0xC000_0000, false, null), ExpansionRom.Decode(TestSpaces.Endpoint().Set32(0x30, 0xC000_0000).Build(), 0));
    }

    [Fact]
    public void Decode_CardBusHeader_HasNoRom()
    {
        ConfigSpace c = new ConfigSpaceBuilder().Identity(0x1217, 0x7134, 0x06_07_00, layout: HeaderLayout.CardBus).Set32(0x30, 0xFE00_0001).Build();

        Assert.Null(ExpansionRom.Decode(c, 0x1000));
    }
}
