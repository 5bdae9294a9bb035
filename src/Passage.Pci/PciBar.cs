namespace Passage.Pci;

/// <summary>One decoded base address register.</summary>
/// <param name="Index">BAR index (0–5); a 64-bit BAR has the lower index of its pair.</param>
/// <param name="Kind">I/O, 32-bit or 64-bit memory.</param>
/// <param name="Prefetchable">Prefetchable memory.</param>
/// <param name="Address">Programmed base address.</param>
/// <param name="Size">Size in bytes when known (from sysfs, a topology or a probe), else null.</param>
public sealed record PciBar(int Index, BarKind Kind, bool Prefetchable, ulong Address, ulong? Size)
{
    /// <summary>Whether the BAR is in memory space.</summary>
    public bool IsMemory => Kind != BarKind.Io;

    /// <summary>Kind as the stable lower-case name used in JSON (<c>io</c>, <c>mem32</c>, <c>mem64</c>).</summary>
    public string KindName => Kind switch
    {
        BarKind.Io => "io",
        BarKind.Mem32 => "mem32",
        _ => "mem64",
    };

    /// <summary>Decodes the BARs of a header. A BAR that reads zero is left out unless <paramref name="sizes"/> names it.</summary>
    /// <param name="config">The configuration space.</param>
    /// <param name="sizes">Known sizes by BAR index (zero or missing = unknown).</param>
    public static IReadOnlyList<PciBar> Decode(ConfigSpace config, IReadOnlyDictionary<int, ulong>? sizes = null)
    {
        var bars = new List<PciBar>();
        int count = BarEncoding.BarCount(config.Layout);
        for (int i = 0; i < count; i++)
        {
            uint raw = config.Read32(ConfigOffsets.Bar0 + (4 * i));
            ulong? size = sizes is not null && sizes.TryGetValue(i, out ulong s) && s != 0 ? s : null;
            if ((raw & BarEncoding.IoSpace) != 0)
            {
                // Bit 0 is set, so the BAR does not read zero: it is implemented even when unassigned.
                bars.Add(new PciBar(i, BarKind.Io, false, raw & BarEncoding.IoAddressMask, size));
                continue;
            }

            bool prefetch = (raw & BarEncoding.Prefetchable) != 0;
            if ((raw & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64)
            {
                // The upper half lives in the next BAR; a 64-bit type in the last slot has none.
                ulong upper = i + 1 < count ? config.Read32(ConfigOffsets.Bar0 + (4 * (i + 1))) : 0;
                ulong address = (raw & BarEncoding.MemoryAddressMask) | (upper << 32);
                if (address != 0 || (raw & ~BarEncoding.MemoryAddressMask) != 0 || size is not null)
                {
                    bars.Add(new PciBar(i, BarKind.Mem64, prefetch, address, size));
                }

                i++;
                continue;
            }

            if (raw != 0 || size is not null)
            {
                bars.Add(new PciBar(i, BarKind.Mem32, prefetch, raw & BarEncoding.MemoryAddressMask, size));
            }
        }

        return bars;
    }
}
