namespace Passage.Pci.Tests;

public sealed class ConfigSpaceTests
{
    private static readonly byte[] Header =
    [
        0x86, 0x80, 0x21, 0x15, 0x06, 0x04, 0x10, 0x00, 0x03, 0x01, 0x06, 0x0C, 0x10, 0x20, 0x80, 0x00, // 0x00
        0x04, 0x00, 0xE0, 0xFE, 0x38, 0x00, 0x00, 0x00, 0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 0x10
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3C, 0x10, 0x34, 0x12, // 0x20
        0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B, 0x02, 0x00, 0x00, // 0x30
    ];

    [Fact]
    public void HeaderProperties_EndpointHeader_ReadFromSpecOffsets()
    {
        var c = new ConfigSpace(Header);

        Assert.Equal(0x8086, c.VendorId);
        Assert.Equal(0x1521, c.DeviceId);
        Assert.Equal(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.InterruptDisable, c.Command);
        Assert.Equal(PciStatus.CapabilitiesList, c.Status);
        Assert.Equal(0x03, c.RevisionId);
        Assert.Equal(0x0C_06_01, c.ClassCode);
        Assert.Equal(0x80, c.HeaderTypeRegister);
        Assert.Equal(HeaderLayout.Endpoint, c.Layout);
        Assert.True(c.IsMultiFunction);
        Assert.Equal(0x103C, c.SubsystemVendorId);
        Assert.Equal(0x1234, c.SubsystemId);
        Assert.Equal(0x0B, c.InterruptLine);
        Assert.Equal(0x02, c.InterruptPin);
        Assert.True(c.IsPresent);
    }

    [Theory]
    [InlineData(0x00, HeaderLayout.Endpoint, false)] // type 0
    [InlineData(0x01, HeaderLayout.Bridge, false)] // type 1
    [InlineData(0x81, HeaderLayout.Bridge, true)] // type 1, multi-function
    [InlineData(0x02, HeaderLayout.CardBus, false)] // type 2
    public void Layout_HeaderTypeBits_Decoded(int headerType, HeaderLayout layout, bool multiFunction)
    {
        var c = new ConfigSpace(new ConfigSpaceBuilder(64).Set8(0x0E, (byte)headerType).ToArray());

        Assert.Equal(layout, c.Layout);
        Assert.Equal(multiFunction, c.IsMultiFunction);
    }

    [Fact]
    public void SubsystemIds_BridgeHeader_ReadAsZero()
    {
        // On a type 1 header 0x2C holds the prefetchable limit upper half, not subsystem IDs.
        ConfigSpace c = TestSpaces.Bridge().Set32(0x2C, 0x1234_103C).Build();

        Assert.Equal((0, 0), (c.SubsystemVendorId, c.SubsystemId));
    }

    [Theory]
    [InlineData(0xFFFF, false)] // no function
    [InlineData(0x0000, false)] // zero vendor
    [InlineData(0x1AF4, true)] // a vendor
    public void IsPresent_VendorId_Decided(int vendor, bool present)
    {
        Assert.Equal(present, TestSpaces.Endpoint((ushort)vendor).Build().IsPresent);
    }

    [Fact]
    public void Reads_MultiByteValues_AreLittleEndian()
    {
        var c = new ConfigSpace([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);

        Assert.Equal(0x11, c.Read8(0));
        Assert.Equal(0x3322, c.Read16(1));
        Assert.Equal(0x5544_3322u, c.Read32(1));
        Assert.Equal(0x8877_6655_4433_2211ul, c.Read64(0));
    }

    [Theory]
    [InlineData(8)] // first byte past the capture
    [InlineData(100)] // far past the capture
    [InlineData(-1)] // negative offset
    public void Reads_BeyondCapture_ReturnAllOnes(int offset)
    {
        var c = new ConfigSpace([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);

        Assert.Equal(0xFF, c.Read8(offset));
        Assert.Equal(0xFFFF, c.Read16(offset));
        Assert.Equal(0xFFFF_FFFFu, c.Read32(offset));
    }

    [Fact]
    public void Reads_StraddlingEndOfCapture_ReturnAllOnes()
    {
        var c = new ConfigSpace([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);

        Assert.Equal(0xFFFF, c.Read16(7));
        Assert.Equal(0xFFFF_FFFFu, c.Read32(6));
        Assert.Equal(0xFFFF_FFFF_8877_6655ul, c.Read64(4));
    }

    [Theory]
    [InlineData(0, 0, true)] // empty range at the start
    [InlineData(60, 4, true)] // last dword
    [InlineData(61, 4, false)] // runs one byte past the end
    [InlineData(64, 1, false)] // first byte past the end
    [InlineData(-4, 4, false)] // negative offset
    [InlineData(0, -1, false)] // negative size
    public void Contains_Range_WithinCapturedBytes(int offset, int size, bool contained)
    {
        Assert.Equal(contained, new ConfigSpace(new byte[64]).Contains(offset, size));
    }

    [Theory]
    [InlineData(64, false)] // header only
    [InlineData(256, false)] // conventional
    [InlineData(257, true)] // anything past 256
    [InlineData(4096, true)] // full PCIe space
    public void HasExtendedSpace_Length_MustExceed256(int length, bool extended)
    {
        var c = new ConfigSpace(new byte[length]);

        Assert.Equal(extended, c.HasExtendedSpace);
        Assert.Equal(length, c.Length);
    }

    [Fact]
    public void Constructor_MoreThan4096Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ConfigSpace(new byte[4097]));
    }

    [Fact]
    public void Constructor_CallerChangesArray_KeepsOwnCopy()
    {
        byte[] bytes = [0x86, 0x80, 0x21, 0x15];
        var c = new ConfigSpace(bytes);

        bytes[0] = 0xFF;

        Assert.Equal(0x8086, c.VendorId);
        Assert.Equal(new byte[] { 0x86, 0x80, 0x21, 0x15 }, c.Bytes.ToArray());
    }

    [Fact]
    public void HeaderProperties_EmptyCapture_ReadAllOnes()
    {
        var c = new ConfigSpace([]);

        Assert.Equal(0xFFFF, c.VendorId);
        Assert.False(c.IsPresent);
        Assert.Equal(0xFF_FFFF, c.ClassCode);
    }
}
