namespace Passage.Pci;

/// <summary>What a base address register decodes.</summary>
public enum BarKind
{
    /// <summary>I/O space.</summary>
    Io,

    /// <summary>32-bit memory space (also the legacy below-1-MiB type).</summary>
    Mem32,

    /// <summary>64-bit memory space: this BAR and the next form one register pair.</summary>
    Mem64,
}
