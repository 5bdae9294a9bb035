namespace Passage.Pci.Capabilities;

/// <summary>Extended (PCI Express) capability IDs (pci.md §6).</summary>
public enum ExtendedCapabilityId : ushort
{
    /// <summary>Advanced Error Reporting.</summary>
    Aer = 0x0001,

    /// <summary>Virtual Channel.</summary>
    VirtualChannel = 0x0002,

    /// <summary>Device Serial Number.</summary>
    DeviceSerialNumber = 0x0003,

    /// <summary>Power Budgeting.</summary>
    PowerBudgeting = 0x0004,

    /// <summary>Access Control Services.</summary>
    Acs = 0x000D,

    /// <summary>Alternative Routing-ID Interpretation.</summary>
    Ari = 0x000E,

    /// <summary>Address Translation Services.</summary>
    Ats = 0x000F,

    /// <summary>Single Root I/O Virtualization.</summary>
    Sriov = 0x0010,

    /// <summary>Resizable BAR.</summary>
    ResizableBar = 0x0015,

    /// <summary>Latency Tolerance Reporting.</summary>
    Ltr = 0x0018,

    /// <summary>Secondary PCI Express.</summary>
    SecondaryPciExpress = 0x0019,

    /// <summary>Process Address Space ID.</summary>
    Pasid = 0x001B,

    /// <summary>Downstream Port Containment.</summary>
    Dpc = 0x001D,

    /// <summary>L1 PM Substates.</summary>
    L1PmSubstates = 0x001E,

    /// <summary>Designated Vendor-Specific Extended Capability.</summary>
    Dvsec = 0x0023,
}
