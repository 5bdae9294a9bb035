namespace Passage.Pci.Decoding;

/// <summary>The type 1 (PCI-to-PCI bridge) header fields: bus numbers and forwarding windows.</summary>
public sealed record BridgeHeader(
    int PrimaryBus,
    int SecondaryBus,
    int SubordinateBus,
    int SecondaryLatency,
    ulong? IoBase,
    ulong? IoLimit,
    ulong? MemoryBase,
    ulong? MemoryLimit,
    ulong? PrefetchableBase,
    ulong? PrefetchableLimit,
    ushort SecondaryStatus,
    ushort BridgeControl)
{
    /// <summary>
    /// Decodes the bridge fields. A window whose base exceeds its limit is closed (null); so is one
    /// based at address 0, which firmware leaves after reset and never assigns.
    /// </summary>
    public static BridgeHeader Decode(ConfigSpace c)
    {
        byte ioBaseReg = c.Read8(ConfigOffsets.IoBase);
        byte ioLimitReg = c.Read8(ConfigOffsets.IoLimit);
        bool io32 = (ioBaseReg & 0xF) == 1;
        ulong ioBase = ((ulong)(ioBaseReg & 0xF0) << 8) | (io32 ? (ulong)c.Read16(ConfigOffsets.IoBaseUpper) << 16 : 0);
        ulong ioLimit = ((ulong)(ioLimitReg & 0xF0) << 8) | 0xFFF | (io32 ? (ulong)c.Read16(ConfigOffsets.IoLimitUpper) << 16 : 0);

        ulong memBase = (ulong)(c.Read16(ConfigOffsets.MemoryBase) & 0xFFF0) << 16;
        ulong memLimit = ((ulong)(c.Read16(ConfigOffsets.MemoryLimit) & 0xFFF0) << 16) | 0xF_FFFF;

        ushort pBaseReg = c.Read16(ConfigOffsets.PrefetchableBase);
        ushort pLimitReg = c.Read16(ConfigOffsets.PrefetchableLimit);
        bool p64 = (pBaseReg & 0xF) == 1;
        ulong pBase = ((ulong)(pBaseReg & 0xFFF0) << 16) | (p64 ? (ulong)c.Read32(ConfigOffsets.PrefetchableBaseUpper) << 32 : 0);
        ulong pLimit = ((ulong)(pLimitReg & 0xFFF0) << 16) | 0xF_FFFF | (p64 ? (ulong)c.Read32(ConfigOffsets.PrefetchableLimitUpper) << 32 : 0);

        return new BridgeHeader(
            c.Read8(ConfigOffsets.PrimaryBus),
            c.Read8(ConfigOffsets.SecondaryBus),
            c.Read8(ConfigOffsets.SubordinateBus),
            c.Read8(ConfigOffsets.SecondaryLatency),
            ioBase <= ioLimit && ioBase != 0 ? ioBase : null,
            ioBase <= ioLimit && ioBase != 0 ? ioLimit : null,
            memBase <= memLimit && memBase != 0 ? memBase : null,
            memBase <= memLimit && memBase != 0 ? memLimit : null,
            pBase <= pLimit && pBase != 0 ? pBase : null,
            pBase <= pLimit && pBase != 0 ? pLimit : null,
            c.Read16(ConfigOffsets.SecondaryStatus),
            c.Read16(ConfigOffsets.BridgeControl));
    }

    /// <summary>Whether the bus with number <paramref name="bus"/> lies behind this bridge.</summary>
    public bool Forwards(int bus) => bus >= SecondaryBus && bus <= SubordinateBus;
}
