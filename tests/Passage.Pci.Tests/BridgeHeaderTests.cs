using Passage.Pci.Decoding;

namespace Passage.Pci.Tests;

public sealed class BridgeHeaderTests
{
    private static BridgeHeader Decode(ConfigSpaceBuilder b) => BridgeHeader.Decode(b.Build());

    [Fact]
    public void Decode_BusNumbers_ReadFrom0x18To0x1B()
    {
        BridgeHeader h = Decode(TestSpaces.Bridge().Set32(0x18, 0x2005_0100));

        Assert.Equal((0, 1, 5, 0x20), (h.PrimaryBus, h.SecondaryBus, h.SubordinateBus, h.SecondaryLatency));
    }

    [Theory]
    [InlineData(0, false)] // the primary bus
    [InlineData(1, true)] // the secondary bus
    [InlineData(3, true)] // between secondary and subordinate
    [InlineData(5, true)] // the subordinate bus
    [InlineData(6, false)] // past the subordinate bus
    public void Forwards_Bus_WithinSecondaryToSubordinate(int bus, bool forwarded)
    {
        Assert.Equal(forwarded, Decode(TestSpaces.Bridge().Set32(0x18, 0x0005_0100)).Forwards(bus));
    }

    [Fact]
    public void Decode_Io16Window_BitsSevenToFourAreAddress15To12()
    {
        // I/O base 0xE0, limit 0xE0: window 0xE000-0xEFFF. Upper halves at 0x30/0x32 are ignored for 16-bit decoding.
        BridgeHeader h = Decode(TestSpaces.Bridge().Set8(0x1C, 0xE0).Set8(0x1D, 0xE0).Set16(0x30, 0x0001).Set16(0x32, 0x0001));

        Assert.Equal((0xE000ul, 0xEFFFul), (h.IoBase!.Value, h.IoLimit!.Value));
    }

    [Fact]
    public void Decode_Io32Window_AddsUpperSixteenBits()
    {
        // Type 1 (32-bit) in bits 3:0; upper halves 0x0001 at 0x30 and 0x32.
        BridgeHeader h = Decode(TestSpaces.Bridge().Set8(0x1C, 0x21).Set8(0x1D, 0x31).Set16(0x30, 0x0001).Set16(0x32, 0x0001));

        Assert.Equal((0x1_2000ul, 0x1_3FFFul), (h.IoBase!.Value, h.IoLimit!.Value));
    }

    [Fact]
    public void Decode_MemoryWindow_BitsFifteenToFourAreAddress31To20()
    {
        // Base 0xFE0F: low four bits are not address bits. Limit 0xFE10 covers up to 0xFE1FFFFF.
        BridgeHeader h = Decode(TestSpaces.Bridge().Set16(0x20, 0xFE0F).Set16(0x22, 0xFE10));

        Assert.Equal((0xFE00_0000ul, 0xFE1F_FFFFul), (h.MemoryBase!.Value, h.MemoryLimit!.Value));
    }

    [Fact]
    public void Decode_Prefetchable64Window_AddsUpperDwords()
    {
        BridgeHeader h = Decode(TestSpaces.Bridge()
            .Set16(0x24, 0x8001).Set16(0x26, 0x9FF1)
            .Set32(0x28, 0x0000_0040).Set32(0x2C, 0x0000_0040));

        Assert.Equal((0x40_8000_0000ul, 0x40_9FFF_FFFFul), (h.PrefetchableBase!.Value, h.PrefetchableLimit!.Value));
    }

    [Fact]
    public void Decode_Prefetchable32Window_IgnoresUpperDwords()
    {
        BridgeHeader h = Decode(TestSpaces.Bridge()
            .Set16(0x24, 0xC000).Set16(0x26, 0xC0F0)
            .Set32(0x28, 0x0000_0040).Set32(0x2C, 0x0000_0040));

        Assert.Equal((0xC000_0000ul, 0xC0FF_FFFFul), (h.PrefetchableBase!.Value, h.PrefetchableLimit!.Value));
    }

    [Fact]
    public void Decode_BaseAboveLimit_WindowsClosed()
    {
        BridgeHeader h = Decode(TestSpaces.Bridge()
            .Set8(0x1C, 0xF0).Set8(0x1D, 0x10)
            .Set16(0x20, 0xFE20).Set16(0x22, 0xFE10)
            .Set16(0x24, 0xFFF1).Set16(0x26, 0x0001));

        Assert.Null(h.IoBase);
        Assert.Null(h.IoLimit);
        Assert.Null(h.MemoryBase);
        Assert.Null(h.MemoryLimit);
        Assert.Null(h.PrefetchableBase);
        Assert.Null(h.PrefetchableLimit);
    }

    [Fact]
    public void Decode_AllWindowRegistersZero_WindowsClosed()
    {
        BridgeHeader h = Decode(TestSpaces.Bridge());

        Assert.Equal((null, null, null), (h.IoBase, h.MemoryBase, h.PrefetchableBase));
    }

    [Fact]
    public void Decode_ThirtyTwoBitIoAndSixtyFourBitPrefetchAtZero_WindowsClosed()
    {
        // After reset a bridge with 32-bit I/O and 64-bit prefetch reads only the capability bits.
        BridgeHeader h = Decode(TestSpaces.Bridge().Set8(0x1C, 0x01).Set8(0x1D, 0x01).Set16(0x24, 0x0001).Set16(0x26, 0x0001));

        Assert.Equal((null, null, null), (h.IoBase, h.MemoryBase, h.PrefetchableBase));
    }

    [Fact]
    public void Decode_SecondaryStatusAndBridgeControl_ReadAsRaw()
    {
        BridgeHeader h = Decode(TestSpaces.Bridge().Set16(0x1E, 0x2280).Set16(0x3E, ConfigOffsets.BridgeControlSecondaryBusReset));

        Assert.Equal(0x2280, h.SecondaryStatus);
        Assert.Equal(0x0040, h.BridgeControl);
    }
}
