namespace Passage.Pci.Capabilities;

/// <summary>Device/Port Type of the PCI Express Capabilities register (pci.md §11).</summary>
public enum PcieDeviceType
{
    /// <summary>PCI Express endpoint.</summary>
    Endpoint = 0,

    /// <summary>Legacy PCI Express endpoint.</summary>
    LegacyEndpoint = 1,

    /// <summary>Root port of a root complex.</summary>
    RootPort = 4,

    /// <summary>Upstream port of a switch.</summary>
    UpstreamPort = 5,

    /// <summary>Downstream port of a switch.</summary>
    DownstreamPort = 6,

    /// <summary>PCI Express to PCI/PCI-X bridge.</summary>
    PcieToPciBridge = 7,

    /// <summary>PCI/PCI-X to PCI Express bridge.</summary>
    PciToPcieBridge = 8,

    /// <summary>Root complex integrated endpoint.</summary>
    RootComplexIntegratedEndpoint = 9,

    /// <summary>Root complex event collector.</summary>
    RootComplexEventCollector = 10,
}
