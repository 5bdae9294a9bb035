using Passage.Pci.Capabilities;

namespace Passage.Pci.Tests;

public sealed class ConfigSpaceBuilderTests
{
    [Theory]
    [InlineData(64)] // header only
    [InlineData(256)] // conventional
    [InlineData(4096)] // PCIe
    public void Constructor_SupportedSize_StartsAllZero(int size)
    {
        var b = new ConfigSpaceBuilder(size);

        Assert.Equal(size, b.Size);
        Assert.All(b.ToArray(), x => Assert.Equal(0, x));
        Assert.Equal(size, b.Build().Length);
    }

    [Theory]
    [InlineData(0)] // empty
    [InlineData(128)] // between the defined sizes
    [InlineData(8192)] // larger than PCIe
    public void Constructor_UnsupportedSize_Throws(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfigSpaceBuilder(size));
    }

    [Fact]
    public void Identity_AllFields_WritesHeaderBytes()
    {
        byte[] bytes = new ConfigSpaceBuilder(64).Identity(0x10DE, 0x2204, 0x03_00_01, revision: 0xA1, layout: HeaderLayout.Bridge, multiFunction: true).ToArray();

        Assert.Equal(new byte[] { 0xDE, 0x10, 0x04, 0x22 }, bytes[0..4]);
        Assert.Equal(new byte[] { 0xA1, 0x01, 0x00, 0x03 }, bytes[0x08..0x0C]);
        Assert.Equal(0x81, bytes[0x0E]);
    }

    [Fact]
    public void SubsystemCommandStatusInterrupt_Values_WriteTheirOffsets()
    {
        byte[] bytes = new ConfigSpaceBuilder(64)
            .Subsystem(0x1028, 0x0A5F)
            .Command(PciCommand.MemorySpace | PciCommand.BusMaster)
            .Status(PciStatus.Capable66MHz)
            .Status(PciStatus.CapabilitiesList)
            .Interrupt(1, 11)
            .ToArray();

        Assert.Equal(new byte[] { 0x28, 0x10, 0x5F, 0x0A }, bytes[0x2C..0x30]);
        Assert.Equal(new byte[] { 0x06, 0x00, 0x30, 0x00 }, bytes[0x04..0x08]);
        Assert.Equal((11, 1), (bytes[0x3C], bytes[0x3D]));
    }

    [Theory]
    [InlineData(BarKind.Io, 0xC0A3ul, false, 0x0000_C0A1u, 0u)] // I/O: address bits 31:2 plus bit 0
    [InlineData(BarKind.Mem32, 0xFE00_000Ful, false, 0xFE00_0000u, 0u)] // 32-bit: address bits 31:4
    [InlineData(BarKind.Mem32, 0xE000_0000ul, true, 0xE000_0008u, 0u)] // prefetchable bit 3
    [InlineData(BarKind.Mem64, 0x38_C000_0000ul, true, 0xC000_000Cu, 0x38u)] // 64-bit: type 0x4 and upper half in the next BAR
    public void Bar_Kind_WritesTypeBitsAndAddress(BarKind kind, ulong address, bool prefetchable, uint low, uint high)
    {
        ConfigSpace c = new ConfigSpaceBuilder(64).Bar(2, kind, address, prefetchable).Build();

        Assert.Equal(low, c.Read32(0x18));
        Assert.Equal(high, c.Read32(0x1C));
    }

    [Fact]
    public void Capability_FirstAndLater_LinkedFrom0x34AndSetCapList()
    {
        byte[] bytes = TestSpaces.Endpoint()
            .Capability(0x60, CapabilityId.PciExpress, [0x02, 0x00])
            .Capability(0x48, CapabilityId.Msi, [0x80, 0x00])
            .ToArray();

        Assert.Equal(0x60, bytes[0x34]);
        Assert.Equal(new byte[] { 0x10, 0x48, 0x02, 0x00 }, bytes[0x60..0x64]);
        Assert.Equal(new byte[] { 0x05, 0x00, 0x80, 0x00 }, bytes[0x48..0x4C]);
        Assert.Equal(0x10, bytes[0x06] & 0x10);
    }

    [Theory]
    [InlineData(0x3C, 2)] // inside the header
    [InlineData(0x42, 2)] // not dword-aligned
    [InlineData(0xFC, 4)] // body runs past 0xFF
    public void Capability_BadPlacement_Throws(int offset, int bodyLength)
    {
        var b = TestSpaces.Endpoint();

        Assert.Throws<ArgumentOutOfRangeException>(() => b.Capability(offset, CapabilityId.PowerManagement, new byte[bodyLength]));
    }

    [Fact]
    public void Capability_HeaderOnlySpace_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfigSpaceBuilder(64).Capability(0x40, CapabilityId.PowerManagement, new byte[6]));
    }

    [Fact]
    public void ExtendedCapability_SecondEntry_LinksByBits31To20AndKeepsVersion()
    {
        ConfigSpace c = TestSpaces.Endpoint()
            .ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 2, [0xAA, 0xBB])
            .ExtendedCapability(0x148, ExtendedCapabilityId.Acs, 1, [])
            .Build();

        Assert.Equal(0x1482_0001u, c.Read32(0x100));
        Assert.Equal(0x0001_000Du, c.Read32(0x148));
        Assert.Equal(0xBBAA, c.Read16(0x104));
    }

    [Theory]
    [InlineData(0x140)] // first entry not at 0x100
    [InlineData(0x0FC)] // below the extended area
    [InlineData(0x102)] // not dword-aligned
    public void ExtendedCapability_BadFirstPlacement_Throws(int offset)
    {
        var b = TestSpaces.Endpoint();

        Assert.Throws<ArgumentOutOfRangeException>(() => b.ExtendedCapability(offset, ExtendedCapabilityId.Aer, 1, []));
    }

    [Fact]
    public void ExtendedCapability_ConventionalSpace_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfigSpaceBuilder(256).ExtendedCapability(0x100, ExtendedCapabilityId.Aer, 1, []));
    }

    [Fact]
    public void Build_Snapshot_UnaffectedByLaterWrites()
    {
        var b = TestSpaces.Endpoint();
        ConfigSpace first = b.Build();
        byte[] copy = b.ToArray();

        b.Set16(0, 0x1AF4);
        copy[1] = 0xFF;

        Assert.Equal(0x8086, first.VendorId);
        Assert.Equal(0x1AF4, b.Build().VendorId);
        Assert.Equal(0x1AF4, b.Get16(0));
    }
}
