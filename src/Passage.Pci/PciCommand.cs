namespace Passage.Pci;

/// <summary>Command register bits (pci.md §3).</summary>
[Flags]
public enum PciCommand : ushort
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>I/O space decoding.</summary>
    IoSpace = 0x0001,

    /// <summary>Memory space decoding.</summary>
    MemorySpace = 0x0002,

    /// <summary>Bus mastering (DMA, MSI writes).</summary>
    BusMaster = 0x0004,

    /// <summary>Special cycles.</summary>
    SpecialCycles = 0x0008,

    /// <summary>Memory write and invalidate.</summary>
    MemoryWriteInvalidate = 0x0010,

    /// <summary>VGA palette snoop.</summary>
    VgaPaletteSnoop = 0x0020,

    /// <summary>Parity error response.</summary>
    ParityErrorResponse = 0x0040,

    /// <summary>IDSEL stepping (reserved in PCIe).</summary>
    Stepping = 0x0080,

    /// <summary>SERR# enable.</summary>
    SerrEnable = 0x0100,

    /// <summary>Fast back-to-back enable.</summary>
    FastBackToBack = 0x0200,

    /// <summary>INTx disable.</summary>
    InterruptDisable = 0x0400,
}
