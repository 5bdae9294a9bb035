namespace Passage.Host.Devices;

/// <summary><c>VFIO_DEVICE_FLAGS_*</c>.</summary>
[Flags]
public enum DeviceFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The device supports <c>Reset</c>.</summary>
    Reset = 1,

    /// <summary>A PCI device.</summary>
    Pci = 2,

    /// <summary>Info carries a capability chain.</summary>
    Caps = 0x80,
}

/// <summary>Device information (<c>VFIO_DEVICE_GET_INFO</c>).</summary>
/// <param name="Flags">Device flags.</param>
/// <param name="NumRegions">Number of regions (at least 9 for PCI).</param>
/// <param name="NumIrqs">Number of IRQ indexes (5 for PCI).</param>
public sealed record DeviceInfo(DeviceFlags Flags, int NumRegions, int NumIrqs);
