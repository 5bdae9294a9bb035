namespace Passage.Host.Devices;

/// <summary>
/// The one seam below the guest's view, shaped like Linux VFIO (host-device.md §1): a kernel VFIO
/// device, a device imported over vfio-user and a simulated device all look alike through it.
/// Read and Write are the hot path and return an errno; every other member throws
/// <see cref="HostDeviceException"/>. All members are thread-safe; SetIrqs, Reset and HotReset
/// are serialized per device.
/// </summary>
public interface IHostDevice : IDisposable
{
    /// <summary>Device flags and the number of regions and IRQ indexes.</summary>
    DeviceInfo Info { get; }

    /// <summary>Information about region <paramref name="index"/>.</summary>
    RegionInfo GetRegionInfo(int index);

    /// <summary>Reads all of <paramref name="data"/> from a region, or fails without a partial read.</summary>
    Errno Read(int region, ulong offset, Span<byte> data);

    /// <summary>Writes all of <paramref name="data"/> to a region, or fails without a partial write.</summary>
    Errno Write(int region, ulong offset, ReadOnlySpan<byte> data);

    /// <summary>Maps sparse area <paramref name="area"/> of a region (area 0 = the whole region when it has none).</summary>
    IMappedArea Map(int region, int area);

    /// <summary>Information about IRQ index <paramref name="index"/>.</summary>
    IrqInfo GetIrqInfo(int index);

    /// <summary>
    /// <c>VFIO_DEVICE_SET_IRQS</c>: <paramref name="data"/> is the payload as VFIO lays it out —
    /// empty for DATA_NONE, <paramref name="count"/> bytes for DATA_BOOL, <paramref name="count"/>
    /// little-endian int32 eventfds for DATA_EVENTFD (−1 = unwired). Returns 0, or a positive number
    /// of available vectors when fewer than asked exist (nothing enabled then).
    /// </summary>
    int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data);

    /// <summary>Function reset (<c>VFIO_DEVICE_RESET</c>).</summary>
    void Reset();

    /// <summary>The devices a hot (bus/slot) reset would affect.</summary>
    HotResetInfo GetHotResetInfo();

    /// <summary>Performs a hot reset, given proof of ownership of every affected device.</summary>
    void HotReset(HotResetProof proof);
}
