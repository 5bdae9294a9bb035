namespace Passage.Pci.Tests;

/// <summary>Starting points for synthetic configuration spaces.</summary>
internal static class TestSpaces
{
    /// <summary>A 4096-byte type 0 header of an Ethernet controller.</summary>
    public static ConfigSpaceBuilder Endpoint(ushort vendor = 0x8086, ushort device = 0x1521, int size = ConfigOffsets.ExtendedSize) =>
        new ConfigSpaceBuilder(size).Identity(vendor, device, 0x02_00_00);

    /// <summary>A 4096-byte type 1 header of a PCI-to-PCI bridge.</summary>
    public static ConfigSpaceBuilder Bridge(int size = ConfigOffsets.ExtendedSize) =>
        new ConfigSpaceBuilder(size).Identity(0x8086, 0x7A38, 0x06_04_00, layout: HeaderLayout.Bridge);

    /// <summary>The first <paramref name="length"/> bytes of a built space, as a shorter capture.</summary>
    public static ConfigSpace Truncate(ConfigSpaceBuilder builder, int length) => new(builder.ToArray().AsSpan(0, length));
}
