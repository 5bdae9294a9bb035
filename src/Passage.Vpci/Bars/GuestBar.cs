using Passage.Host.Devices;

namespace Passage.Vpci.Bars;

/// <summary>What the guest sees of one BAR slot (vpci.md §5.1–§5.2).</summary>
internal sealed class GuestBar(int index, ulong size, bool is64, bool prefetchable, bool isUpperHalf, RegionInfo? region)
{
    /// <summary>Slot 0–5.</summary>
    public int Index { get; } = index;

    /// <summary>Size in bytes; 0 = not offered (empty, I/O, or the upper half of a 64-bit BAR).</summary>
    public ulong Size { get; } = size;

    /// <summary>A 64-bit memory BAR (the next slot is its upper half).</summary>
    public bool Is64 { get; } = is64;

    /// <summary>Prefetchable memory.</summary>
    public bool Prefetchable { get; } = prefetchable;

    /// <summary>The upper half of the previous slot's 64-bit BAR.</summary>
    public bool IsUpperHalf { get; } = isUpperHalf;

    /// <summary>The host region behind it (null when not offered).</summary>
    public RegionInfo? Region { get; } = region;

    /// <summary>The guest address, already masked to the BAR's alignment.</summary>
    public ulong Address { get; set; }

    /// <summary>A memory BAR the guest can use (and MSI-X structures can live in).</summary>
    public bool IsMemory => Size != 0 && !IsUpperHalf;

    /// <summary>The BAR's type bits as the guest reads them in the low dword: 64-bit (0x4) and prefetchable (0x8).</summary>
    public uint TypeBits => (Is64 ? Pci.BarEncoding.MemoryType64 : 0) | (Prefetchable ? Pci.BarEncoding.Prefetchable : 0);
}
