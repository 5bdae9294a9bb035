namespace Passage.VfioUser.Protocol;

/// <summary>vfio-user command numbers (vfio-user.md §2). Wire numbers: frozen, never renumbered.</summary>
public enum VfioUserCommand : ushort
{
    /// <summary>Not a command; 0 on the wire is unknown.</summary>
    None = 0,

    /// <summary>Version and capability negotiation (client → server, first message).</summary>
    Version = 1,

    /// <summary>Adds a DMA window (client → server).</summary>
    DmaMap = 2,

    /// <summary>Removes a DMA window (client → server).</summary>
    DmaUnmap = 3,

    /// <summary>Device flags and counts (client → server).</summary>
    DeviceGetInfo = 4,

    /// <summary>One region's info and capability chain (client → server).</summary>
    DeviceGetRegionInfo = 5,

    /// <summary>A region's ioeventfds and ioregionfds (client → server).</summary>
    DeviceGetRegionIoFds = 6,

    /// <summary>One IRQ index's info (client → server).</summary>
    DeviceGetIrqInfo = 7,

    /// <summary>Wires, fires, masks or unmasks interrupts (client → server).</summary>
    DeviceSetIrqs = 8,

    /// <summary>Reads a region (client → server).</summary>
    RegionRead = 9,

    /// <summary>Writes a region (client → server).</summary>
    RegionWrite = 10,

    /// <summary>Reads client memory (server → client).</summary>
    DmaRead = 11,

    /// <summary>Writes client memory (server → client).</summary>
    DmaWrite = 12,

    /// <summary>Resets the device (client → server).</summary>
    DeviceReset = 13,

    // 14 is unused by the protocol.

    /// <summary>Several small region writes in one message (client → server).</summary>
    RegionWriteMulti = 15,

    /// <summary>Device feature get/set/probe (client → server).</summary>
    DeviceFeature = 16,

    /// <summary>Reads migration data (client → server).</summary>
    MigDataRead = 17,

    /// <summary>Writes migration data (client → server).</summary>
    MigDataWrite = 18,
}
