namespace Passage.Host.Devices;

/// <summary>Region indexes as VFIO numbers them: 0–5 BARs, 6 expansion ROM, 7 config space, 8 VGA; 9+ device-specific.</summary>
public static class VfioRegion
{
    /// <summary>BAR0; BAR n is region n.</summary>
    public const int Bar0 = 0;

    /// <summary>BAR5.</summary>
    public const int Bar5 = 5;

    /// <summary>Expansion ROM.</summary>
    public const int Rom = 6;

    /// <summary>Configuration space.</summary>
    public const int Config = 7;

    /// <summary>Legacy VGA ranges.</summary>
    public const int Vga = 8;

    /// <summary>Number of regions every PCI device reports.</summary>
    public const int PciCount = 9;
}
