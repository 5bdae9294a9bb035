namespace Passage.Pci.Capabilities;

/// <summary>Human names for every standard and extended capability ID (pci.md §6).</summary>
public static class CapabilityNames
{
    private static readonly string[] Standard =
    [
        "Null", // 0x00
        "Power Management",
        "AGP",
        "Vital Product Data",
        "Slot ID",
        "MSI",
        "CompactPCI Hot Swap",
        "PCI-X",
        "HyperTransport",
        "Vendor Specific",
        "Debug Port",
        "CompactPCI Central Resource Control",
        "Standard Hot-Plug Controller",
        "Bridge Subsystem Vendor ID",
        "AGP 8x",
        "Secure Device",
        "PCI Express",
        "MSI-X",
        "SATA",
        "Advanced Features",
        "Enhanced Allocation", // 0x14
    ];

    private static readonly string[] Extended =
    [
        "Null", // 0x00
        "Advanced Error Reporting",
        "Virtual Channel",
        "Device Serial Number",
        "Power Budgeting",
        "Root Complex Link Declaration",
        "Root Complex Internal Link Control",
        "Root Complex Event Collector Endpoint Association",
        "Multi-Function Virtual Channel",
        "Virtual Channel (MFVC)",
        "RCRB Header",
        "Vendor-Specific Extended",
        "Configuration Access Correlation",
        "Access Control Services",
        "Alternative Routing-ID Interpretation",
        "Address Translation Services",
        "Single Root I/O Virtualization", // 0x10
        "Multi-Root I/O Virtualization",
        "Multicast",
        "Page Request Interface",
        "Reserved for AMD",
        "Resizable BAR",
        "Dynamic Power Allocation",
        "TPH Requester",
        "Latency Tolerance Reporting",
        "Secondary PCI Express",
        "Protocol Multiplexing",
        "Process Address Space ID",
        "LN Requester",
        "Downstream Port Containment",
        "L1 PM Substates",
        "Precision Time Measurement",
        "M-PCIe", // 0x20
        "FRS Queueing",
        "Readiness Time Reporting",
        "Designated Vendor-Specific",
        "VF Resizable BAR",
        "Data Link Feature",
        "Physical Layer 16.0 GT/s",
        "Lane Margining at the Receiver",
        "Hierarchy ID",
        "Native PCIe Enclosure Management",
        "Physical Layer 32.0 GT/s",
        "Alternate Protocol",
        "System Firmware Intermediary",
        "Shadow Functions",
        "Data Object Exchange", // 0x2E
    ];

    /// <summary>Name of a standard capability, or <c>Unknown (0xNN)</c>.</summary>
    public static string ForStandard(int id) =>
        id >= 0 && id < Standard.Length ? Standard[id] : $"Unknown (0x{id:x2})";

    /// <summary>Name of an extended capability, or <c>Unknown (0xNNNN)</c>.</summary>
    public static string ForExtended(int id) =>
        id >= 0 && id < Extended.Length ? Extended[id] : $"Unknown (0x{id:x4})";

    /// <summary>Whether a standard capability ID has a name.</summary>
    public static bool IsKnownStandard(int id) => id > 0 && id < Standard.Length;

    /// <summary>Whether an extended capability ID has a name.</summary>
    public static bool IsKnownExtended(int id) => id > 0 && id < Extended.Length;
}
