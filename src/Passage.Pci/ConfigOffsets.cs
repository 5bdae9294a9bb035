namespace Passage.Pci;

/// <summary>Offsets of the configuration-space header registers (pci.md §2).</summary>
public static class ConfigOffsets
{
    /// <summary>Size of the conventional PCI configuration space.</summary>
    public const int ConventionalSize = 256;

    /// <summary>Size of the PCI Express extended configuration space.</summary>
    public const int ExtendedSize = 4096;

    /// <summary>Size of the common header (type 0 and type 1).</summary>
    public const int HeaderSize = 64;

    /// <summary>First byte of the extended capability area.</summary>
    public const int ExtendedCapabilitiesStart = 0x100;

    /// <summary>Vendor ID (16 bits).</summary>
    public const int VendorId = 0x00;

    /// <summary>Device ID (16 bits).</summary>
    public const int DeviceId = 0x02;

    /// <summary>Command register (16 bits).</summary>
    public const int Command = 0x04;

    /// <summary>Status register (16 bits).</summary>
    public const int Status = 0x06;

    /// <summary>Revision ID (8 bits).</summary>
    public const int RevisionId = 0x08;

    /// <summary>Programming interface (8 bits), low byte of the class code.</summary>
    public const int ProgIf = 0x09;

    /// <summary>Sub-class (8 bits).</summary>
    public const int SubClass = 0x0A;

    /// <summary>Base class (8 bits).</summary>
    public const int BaseClass = 0x0B;

    /// <summary>Cache line size (8 bits).</summary>
    public const int CacheLineSize = 0x0C;

    /// <summary>Latency timer (8 bits).</summary>
    public const int LatencyTimer = 0x0D;

    /// <summary>Header type (8 bits): layout in bits 6:0, multi-function in bit 7.</summary>
    public const int HeaderType = 0x0E;

    /// <summary>BIST (8 bits).</summary>
    public const int Bist = 0x0F;

    /// <summary>BAR0; BAR n is at <c>Bar0 + 4·n</c>.</summary>
    public const int Bar0 = 0x10;

    /// <summary>CardBus CIS pointer (type 0).</summary>
    public const int CardbusCis = 0x28;

    /// <summary>Subsystem vendor ID (type 0).</summary>
    public const int SubsystemVendorId = 0x2C;

    /// <summary>Subsystem ID (type 0).</summary>
    public const int SubsystemId = 0x2E;

    /// <summary>Expansion ROM BAR of a type 0 header.</summary>
    public const int RomBar = 0x30;

    /// <summary>Capabilities pointer (bits 1:0 reserved).</summary>
    public const int CapabilitiesPointer = 0x34;

    /// <summary>Interrupt line.</summary>
    public const int InterruptLine = 0x3C;

    /// <summary>Interrupt pin: 0 none, 1–4 INTA#–INTD#.</summary>
    public const int InterruptPin = 0x3D;

    /// <summary>Min_Gnt (type 0).</summary>
    public const int MinGnt = 0x3E;

    /// <summary>Max_Lat (type 0).</summary>
    public const int MaxLat = 0x3F;

    /// <summary>Primary bus number (type 1).</summary>
    public const int PrimaryBus = 0x18;

    /// <summary>Secondary bus number (type 1).</summary>
    public const int SecondaryBus = 0x19;

    /// <summary>Subordinate bus number (type 1).</summary>
    public const int SubordinateBus = 0x1A;

    /// <summary>Secondary latency timer (type 1).</summary>
    public const int SecondaryLatency = 0x1B;

    /// <summary>I/O base (type 1, 8 bits).</summary>
    public const int IoBase = 0x1C;

    /// <summary>I/O limit (type 1, 8 bits).</summary>
    public const int IoLimit = 0x1D;

    /// <summary>Secondary status (type 1, 16 bits).</summary>
    public const int SecondaryStatus = 0x1E;

    /// <summary>Memory base (type 1, 16 bits).</summary>
    public const int MemoryBase = 0x20;

    /// <summary>Memory limit (type 1, 16 bits).</summary>
    public const int MemoryLimit = 0x22;

    /// <summary>Prefetchable memory base (type 1, 16 bits).</summary>
    public const int PrefetchableBase = 0x24;

    /// <summary>Prefetchable memory limit (type 1, 16 bits).</summary>
    public const int PrefetchableLimit = 0x26;

    /// <summary>Prefetchable base, upper 32 bits (type 1).</summary>
    public const int PrefetchableBaseUpper = 0x28;

    /// <summary>Prefetchable limit, upper 32 bits (type 1).</summary>
    public const int PrefetchableLimitUpper = 0x2C;

    /// <summary>I/O base, upper 16 bits (type 1).</summary>
    public const int IoBaseUpper = 0x30;

    /// <summary>I/O limit, upper 16 bits (type 1).</summary>
    public const int IoLimitUpper = 0x32;

    /// <summary>Expansion ROM BAR of a type 1 header.</summary>
    public const int BridgeRomBar = 0x38;

    /// <summary>Bridge control (type 1, 16 bits).</summary>
    public const int BridgeControl = 0x3E;

    /// <summary>Bridge Control: Secondary Bus Reset.</summary>
    public const ushort BridgeControlSecondaryBusReset = 0x0040;
}
