namespace Passage.Host.Devices;

/// <summary><c>VFIO_PCI_HOT_RESET_FLAG_*</c>.</summary>
[Flags]
public enum HotResetFlags : uint
{
    /// <summary>Legacy (group-opened): records carry group IDs.</summary>
    None = 0,

    /// <summary>Records carry device IDs (cdev).</summary>
    DevId = 1,

    /// <summary>Every affected device is owned by the caller (cdev).</summary>
    DevIdOwned = 2,
}

/// <summary>One device a hot reset affects (<c>vfio_pci_dependent_device</c>).</summary>
/// <param name="GroupIdOrDevId">IOMMU group (legacy) or device ID (cdev).</param>
/// <param name="Segment">PCI segment.</param>
/// <param name="Bus">Bus number.</param>
/// <param name="DevFn">Device and function.</param>
public readonly record struct DependentDevice(uint GroupIdOrDevId, ushort Segment, byte Bus, byte DevFn);

/// <summary>Who a hot reset would affect (<c>VFIO_DEVICE_GET_PCI_HOT_RESET_INFO</c>).</summary>
/// <param name="Flags">Record kind and ownership.</param>
/// <param name="Devices">Every affected device, bridges included.</param>
public sealed record HotResetInfo(HotResetFlags Flags, IReadOnlyList<DependentDevice> Devices);

/// <summary>
/// The ownership proof of a hot reset: open VFIO group fds (legacy) or nothing (cdev, where
/// ownership comes from the iommufd context).
/// </summary>
/// <param name="GroupFds">Group file descriptors; empty for cdev.</param>
public sealed record HotResetProof(IReadOnlyList<int> GroupFds);
