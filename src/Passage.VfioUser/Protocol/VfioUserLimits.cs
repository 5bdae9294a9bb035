namespace Passage.VfioUser.Protocol;

/// <summary>
/// Bounds on every length and count read from the wire, checked before anything is allocated or
/// sliced (vfio-user.md §3, §8, §10). Wire-visible numbers: frozen.
/// </summary>
public static class VfioUserLimits
{
    /// <summary>The largest <c>count</c> of one region or DMA access Passage accepts and offers (<c>max_data_xfer_size</c>), 1 MiB.</summary>
    public const int MaxDataTransfer = 1024 * 1024;

    /// <summary>The 16-byte head (offset/address and count) in front of the data of a region or DMA access.</summary>
    public const int AccessHeadSize = 16;

    /// <summary>
    /// The largest payload of any message: an access head plus <see cref="MaxDataTransfer"/> bytes of
    /// data. Every other payload Passage sends or accepts is smaller.
    /// </summary>
    public const int MaxPayloadSize = AccessHeadSize + MaxDataTransfer;

    /// <summary>The hard bound on a message's size, header included (1 MiB + 32, libvfio-user's own bound); a larger size closes the connection.</summary>
    public const int MaxMessageSize = VfioUserProtocol.HeaderSize + MaxPayloadSize;

    /// <summary>The largest <c>max_msg_fds</c> a VERSION may carry.</summary>
    public const int MaxMsgFdsBound = 1024;

    /// <summary>The fds per message Passage can receive (its <c>max_msg_fds</c>) and sends at most to a libvfio-user peer.</summary>
    public const int PassageMaxMsgFds = 8;

    /// <summary>The most region-info capabilities a chain is followed through before it counts as a loop.</summary>
    public const int MaxCapabilityChainLength = 16;

    /// <summary>The largest data of one REGION_WRITE or MIG_DATA_WRITE sent to a libvfio-user server (vfio-user.md §8 rule 2), 32 KiB.</summary>
    public const int LibVfioUserMaxWrite = 32 * 1024;

    /// <summary>The most data bytes one REGION_WRITE_MULTI entry carries.</summary>
    public const int WriteMultiMaxEntryData = 8;

    /// <summary>The most regions a device may report (VFIO PCI has 9 plus a few device-specific ones).</summary>
    public const int MaxRegions = 256;

    /// <summary>The most IRQ indexes a device may report (VFIO PCI has 5).</summary>
    public const int MaxIrqIndexes = 16;

    /// <summary>The most vectors of one IRQ index (MSI-X's 2048).</summary>
    public const int MaxIrqVectors = 2048;

    /// <summary>The most sparse mmap areas one region info may carry.</summary>
    public const int MaxSparseAreas = 1024;

    /// <summary>The most entries one GET_REGION_IO_FDS reply may carry.</summary>
    public const int MaxIoFdEntries = 1024;
}
