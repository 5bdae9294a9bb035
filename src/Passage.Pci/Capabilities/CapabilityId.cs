namespace Passage.Pci.Capabilities;

/// <summary>Standard capability IDs (pci.md §6).</summary>
public enum CapabilityId : byte
{
    /// <summary>Power Management.</summary>
    PowerManagement = 0x01,

    /// <summary>AGP.</summary>
    Agp = 0x02,

    /// <summary>Vital Product Data.</summary>
    Vpd = 0x03,

    /// <summary>Slot identification.</summary>
    SlotId = 0x04,

    /// <summary>Message Signalled Interrupts.</summary>
    Msi = 0x05,

    /// <summary>CompactPCI hot swap.</summary>
    CompactPciHotSwap = 0x06,

    /// <summary>PCI-X.</summary>
    PciX = 0x07,

    /// <summary>HyperTransport.</summary>
    HyperTransport = 0x08,

    /// <summary>Vendor specific.</summary>
    VendorSpecific = 0x09,

    /// <summary>Debug port.</summary>
    DebugPort = 0x0A,

    /// <summary>CompactPCI central resource control.</summary>
    CompactPciCrc = 0x0B,

    /// <summary>Standard Hot-Plug Controller.</summary>
    HotPlug = 0x0C,

    /// <summary>Bridge subsystem vendor ID.</summary>
    BridgeSubsystemVendorId = 0x0D,

    /// <summary>AGP 8x.</summary>
    Agp8x = 0x0E,

    /// <summary>Secure device.</summary>
    SecureDevice = 0x0F,

    /// <summary>PCI Express.</summary>
    PciExpress = 0x10,

    /// <summary>MSI-X.</summary>
    MsiX = 0x11,

    /// <summary>SATA data/index configuration.</summary>
    Sata = 0x12,

    /// <summary>Advanced Features.</summary>
    AdvancedFeatures = 0x13,

    /// <summary>Enhanced Allocation.</summary>
    EnhancedAllocation = 0x14,
}
