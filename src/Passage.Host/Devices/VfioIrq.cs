namespace Passage.Host.Devices;

/// <summary>IRQ indexes as VFIO numbers them.</summary>
public static class VfioIrq
{
    /// <summary>Legacy INTx.</summary>
    public const int Intx = 0;

    /// <summary>MSI.</summary>
    public const int Msi = 1;

    /// <summary>MSI-X.</summary>
    public const int Msix = 2;

    /// <summary>PCIe error (AER) notification.</summary>
    public const int Err = 3;

    /// <summary>Device release request.</summary>
    public const int Req = 4;

    /// <summary>Number of IRQ indexes every PCI device reports.</summary>
    public const int PciCount = 5;
}
