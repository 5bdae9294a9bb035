namespace Passage.Pci;

/// <summary>The decoded expansion ROM BAR.</summary>
/// <param name="Address">Programmed base address (bits 31:11).</param>
/// <param name="Enabled">ROM Enable bit (decodes only with Command.Memory set).</param>
/// <param name="Size">Size in bytes when known, else null.</param>
public sealed record ExpansionRom(ulong Address, bool Enabled, ulong? Size)
{
    /// <summary>Decodes the ROM BAR, or returns null when it reads zero and no size is known.</summary>
    public static ExpansionRom? Decode(ConfigSpace config, ulong? size = null)
    {
        int offset = BarEncoding.RomOffset(config.Layout);
        if (offset < 0)
        {
            return null;
        }

        uint raw = config.Read32(offset);
        if (raw is 0 or 0xFFFF_FFFF && size is null or 0)
        {
            return null;
        }

        return new ExpansionRom(raw & BarEncoding.RomAddressMask, (raw & BarEncoding.RomEnable) != 0, size is 0 ? null : size);
    }
}
