namespace Passage.Pci.Tests;

public sealed class PciAddressTests
{
    [Theory]
    [InlineData("0000:00:1f.2", 0, 0, 0x1f, 2)] // full sysfs form
    [InlineData("00:03.0", 0, 0, 3, 0)] // lspci short form, segment 0
    [InlineData("10de:ff:1f.7", 0x10de, 0xff, 0x1f, 7)] // largest parts
    [InlineData(" 0001:02:03.4 ", 1, 2, 3, 4)] // surrounding blanks
    public void TryParse_ValidText_ReturnsParts(string text, int segment, int bus, int device, int function)
    {
        Assert.True(PciAddress.TryParse(text, out PciAddress a));
        Assert.Equal((segment, bus, device, function), (a.Segment, a.Bus, a.Device, a.Function));
    }

    [Theory]
    [InlineData("")] // empty
    [InlineData("00:20.0")] // device above 31
    [InlineData("00:1f.8")] // function above 7
    [InlineData("000:1f.2")] // bus wider than two digits
    [InlineData("0:0:0:0.0")] // too many parts
    [InlineData("00:1f")] // no function
    [InlineData("zz:00.0")] // not hex
    public void TryParse_InvalidText_ReturnsFalse(string text)
    {
        Assert.False(PciAddress.TryParse(text, out _));
    }

    [Fact]
    public void ToString_FormatsAsSysfsName()
    {
        Assert.Equal("0000:0a:1c.4", new PciAddress(0, 10, 0x1c, 4).ToString());
    }

    [Fact]
    public void CompareTo_OrdersBySegmentBusDeviceFunction()
    {
        PciAddress[] sorted = [PciAddress.Parse("0001:00:00.0"), PciAddress.Parse("0000:01:00.0"), PciAddress.Parse("0000:00:1f.3"), PciAddress.Parse("0000:00:1f.0")];
        Array.Sort(sorted);
        Assert.Equal(["0000:00:1f.0", "0000:00:1f.3", "0000:01:00.0", "0001:00:00.0"], sorted.Select(a => a.ToString()));
    }
}
