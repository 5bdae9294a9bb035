namespace Passage.Pci;

/// <summary>Status register bits (pci.md §4).</summary>
[Flags]
public enum PciStatus : ushort
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>Immediate readiness.</summary>
    ImmediateReadiness = 0x0001,

    /// <summary>INTx asserted.</summary>
    InterruptStatus = 0x0008,

    /// <summary>A capability list is present.</summary>
    CapabilitiesList = 0x0010,

    /// <summary>66 MHz capable.</summary>
    Capable66MHz = 0x0020,

    /// <summary>Fast back-to-back capable.</summary>
    FastBackToBack = 0x0080,

    /// <summary>Master data parity error.</summary>
    MasterDataParityError = 0x0100,

    /// <summary>DEVSEL timing, bits 10:9.</summary>
    DevselMask = 0x0600,

    /// <summary>Signaled target abort.</summary>
    SignaledTargetAbort = 0x0800,

    /// <summary>Received target abort.</summary>
    ReceivedTargetAbort = 0x1000,

    /// <summary>Received master abort.</summary>
    ReceivedMasterAbort = 0x2000,

    /// <summary>Signaled system error.</summary>
    SignaledSystemError = 0x4000,

    /// <summary>Detected parity error.</summary>
    DetectedParityError = 0x8000,
}

/// <summary>Access masks of the Status register (pci.md §4).</summary>
public static class PciStatusMasks
{
    /// <summary>Read-only bits.</summary>
    public const ushort ReadOnly = 0x06B9;

    /// <summary>Write-one-to-clear bits.</summary>
    public const ushort WriteOneToClear = 0xF900;

    /// <summary>Reserved bits that read as zero.</summary>
    public const ushort ReservedZero = 0x0046;
}
