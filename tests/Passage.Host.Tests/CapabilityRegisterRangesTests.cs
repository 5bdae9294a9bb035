using System.Buffers.Binary;
using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Tests;

public sealed class CapabilityRegisterRangesTests
{
    private const ushort VirtioNet = 0x1041;

    /// <summary>Body of a virtio structure locator after the ID/next pair (virtio 1.x §4.1.4).</summary>
    private static byte[] Locator(byte type, byte bar, uint offset, uint length, int capLength = 16, uint offsetHigh = 0, uint lengthHigh = 0)
    {
        byte[] body = new byte[capLength - 2];
        body[0] = (byte)capLength;
        body[1] = type;
        body[2] = bar;
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(6), offset);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(10), length);
        if (capLength >= 24)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(14), offsetHigh);
            BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(18), lengthHigh);
        }

        return body;
    }

    private static DecodedFunction Virtio(params byte[][] locators)
    {
        var builder = new ConfigSpaceBuilder(256).Identity(VendorSpecificCapability.VirtioVendorId, VirtioNet, 0x020000);
        int offset = 0x40;
        foreach (byte[] locator in locators)
        {
            builder.Capability(offset, CapabilityId.VendorSpecific, locator);
            offset += 0x18;
        }

        return DecodedFunction.Decode(builder.Build());
    }

    [Fact]
    public void From_VirtioBlockFixture_ReturnsItsFourStructures()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vm-00_02.0.config.bin"));

        IReadOnlyList<RegisterRange> ranges = CapabilityRegisterRanges.From(DecodedFunction.Decode(new ConfigSpace(bytes)));

        // The fifth virtio capability (type 5, PCI config access) is a window, not registers.
        Assert.Equal(
            [
                new RegisterRange(0, 0x0000, 0x38, "virtio common config"),
                new RegisterRange(0, 0x2000, 0x1, "virtio ISR"),
                new RegisterRange(0, 0x4000, 0x1000, "virtio device config"),
                new RegisterRange(0, 0x6000, 0x1000, "virtio notify"),
            ],
            ranges);
    }

    [Theory]
    [InlineData(1, "virtio common config")] // common configuration
    [InlineData(2, "virtio notify")] // notifications
    [InlineData(3, "virtio ISR")] // ISR status
    [InlineData(4, "virtio device config")] // device-specific configuration
    [InlineData(8, "virtio shared memory")] // shared memory region
    [InlineData(5, null)] // PCI configuration access: a window onto BARs, not a register range
    [InlineData(9, null)] // vendor data: no BAR locator at all
    [InlineData(0, null)] // reserved type
    [InlineData(6, null)] // unknown type, which drivers must ignore
    public void From_VirtioType_NamesRangeOrSkipsIt(byte type, string? expectedName)
    {
        int capLength = type == 2 ? 20 : 16;

        IReadOnlyList<RegisterRange> ranges = CapabilityRegisterRanges.From(Virtio(Locator(type, 2, 0x3000, 0x800, capLength)));

        if (expectedName is null)
        {
            Assert.Empty(ranges);
        }
        else
        {
            Assert.Equal([new RegisterRange(2, 0x3000, 0x800, expectedName)], ranges);
        }
    }

    [Fact]
    public void From_ZeroLengthStructure_IsSkipped()
    {
        IReadOnlyList<RegisterRange> ranges = CapabilityRegisterRanges.From(Virtio(
            Locator(1, 0, 0x0, 0x0),
            Locator(3, 0, 0x1000, 0x4)));

        Assert.Equal([new RegisterRange(0, 0x1000, 0x4, "virtio ISR")], ranges);
    }

    [Fact]
    public void From_ReservedBarNumber_IsSkipped()
    {
        IReadOnlyList<RegisterRange> ranges = CapabilityRegisterRanges.From(Virtio(
            Locator(1, 6, 0x0, 0x38),
            Locator(4, 5, 0x2000, 0x100)));

        Assert.Equal([new RegisterRange(5, 0x2000, 0x100, "virtio device config")], ranges);
    }

    [Fact]
    public void From_SharedMemoryWith64BitLocator_CombinesHighHalves()
    {
        IReadOnlyList<RegisterRange> ranges = CapabilityRegisterRanges.From(Virtio(
            Locator(8, 2, 0x0000_1000, 0x0000_0000, capLength: 24, offsetHigh: 0x1, lengthHigh: 0x2)));

        Assert.Equal([new RegisterRange(2, 0x1_0000_1000, 0x2_0000_0000, "virtio shared memory")], ranges);
    }

    [Fact]
    public void From_RepeatedStructure_IsListedOnce()
    {
        IReadOnlyList<RegisterRange> ranges = CapabilityRegisterRanges.From(Virtio(
            Locator(1, 0, 0x0, 0x38),
            Locator(1, 0, 0x0, 0x38)));

        Assert.Single(ranges);
    }

    [Fact]
    public void From_VendorCapabilityOfNonVirtioDevice_ReturnsNothing()
    {
        ConfigSpace config = new ConfigSpaceBuilder(256)
            .Identity(0x8086, 0x1533, 0x020000)
            .Capability(0x40, CapabilityId.VendorSpecific, Locator(1, 0, 0x0, 0x38))
            .Build();

        Assert.Empty(CapabilityRegisterRanges.From(DecodedFunction.Decode(config)));
    }

    [Fact]
    public void From_NoCapabilities_ReturnsNothing()
    {
        ConfigSpace config = new ConfigSpaceBuilder(64).Identity(VendorSpecificCapability.VirtioVendorId, VirtioNet, 0x020000).Build();

        Assert.Empty(CapabilityRegisterRanges.From(DecodedFunction.Decode(config)));
    }
}
