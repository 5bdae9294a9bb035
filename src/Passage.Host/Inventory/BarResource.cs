namespace Passage.Host.Inventory;

/// <summary>A BAR or ROM as the host placed it: start address, size and the kernel's resource flags.</summary>
/// <param name="Index">0–5 for BARs, 6 for the expansion ROM.</param>
/// <param name="Start">Host physical start address (0 when unassigned).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Flags">Linux <c>IORESOURCE_*</c> flags from sysfs <c>resource</c> (0 for simulated hosts).</param>
public sealed record BarResource(int Index, ulong Start, ulong Size, ulong Flags)
{
    /// <summary>Index of the expansion ROM line.</summary>
    public const int RomIndex = 6;

    /// <summary><c>IORESOURCE_IO</c>.</summary>
    public const ulong IoFlag = 0x100;

    /// <summary><c>IORESOURCE_MEM</c>.</summary>
    public const ulong MemFlag = 0x200;

    /// <summary><c>IORESOURCE_PREFETCH</c>.</summary>
    public const ulong PrefetchFlag = 0x2000;

    /// <summary><c>IORESOURCE_MEM_64</c>.</summary>
    public const ulong Mem64Flag = 0x0010_0000;

    /// <summary><c>IORESOURCE_UNSET</c>: implemented but not assigned.</summary>
    public const ulong UnsetFlag = 0x2000_0000;
}
