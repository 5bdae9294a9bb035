namespace Passage.Pci;

/// <summary>Bit encodings of BARs and the expansion ROM BAR (pci.md §5).</summary>
public static class BarEncoding
{
    /// <summary>Bit 0: 1 = I/O BAR.</summary>
    public const uint IoSpace = 0x1;

    /// <summary>Memory BAR type field, bits 2:1.</summary>
    public const uint MemoryTypeMask = 0x6;

    /// <summary>Memory type 32-bit.</summary>
    public const uint MemoryType32 = 0x0;

    /// <summary>Memory type below 1 MiB (legacy).</summary>
    public const uint MemoryType1M = 0x2;

    /// <summary>Memory type 64-bit.</summary>
    public const uint MemoryType64 = 0x4;

    /// <summary>Prefetchable bit of a memory BAR.</summary>
    public const uint Prefetchable = 0x8;

    /// <summary>Address bits of a memory BAR.</summary>
    public const uint MemoryAddressMask = 0xFFFF_FFF0;

    /// <summary>Address bits of an I/O BAR.</summary>
    public const uint IoAddressMask = 0xFFFF_FFFC;

    /// <summary>ROM enable bit.</summary>
    public const uint RomEnable = 0x1;

    /// <summary>Address bits of the expansion ROM BAR.</summary>
    public const uint RomAddressMask = 0xFFFF_F800;

    /// <summary>Number of BARs in a header of the given layout.</summary>
    public static int BarCount(HeaderLayout layout) => layout switch
    {
        HeaderLayout.Endpoint => 6,
        HeaderLayout.Bridge => 2,
        HeaderLayout.CardBus => 1,
        _ => 0,
    };

    /// <summary>Offset of the expansion ROM BAR for the given layout, or -1 when it has none.</summary>
    public static int RomOffset(HeaderLayout layout) => layout switch
    {
        HeaderLayout.Endpoint => ConfigOffsets.RomBar,
        HeaderLayout.Bridge => ConfigOffsets.BridgeRomBar,
        _ => -1,
    };

    /// <summary>
    /// Size from an all-ones probe read-back: clear the type bits, then the lowest set bit
    /// (pci.md §5). Zero means the BAR is not implemented.
    /// </summary>
    public static ulong SizeFromProbe(ulong readBack, ulong addressMask)
    {
        ulong bits = readBack & addressMask;
        return bits == 0 ? 0 : bits & (~bits + 1);
    }
}
