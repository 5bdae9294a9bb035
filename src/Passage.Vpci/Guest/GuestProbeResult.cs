namespace Passage.Vpci.Guest;

/// <summary>A function the guest found on bus 0.</summary>
/// <param name="Slot">Device number (function 0).</param>
/// <param name="VendorId">Vendor ID.</param>
/// <param name="DeviceId">Device ID.</param>
/// <param name="ClassCode">Class, subclass and programming interface.</param>
/// <param name="HeaderType">Header type register.</param>
public sealed record GuestFunctionInfo(int Slot, ushort VendorId, ushort DeviceId, uint ClassCode, byte HeaderType);

/// <summary>Where the guest placed one BAR.</summary>
/// <param name="Index">BAR index.</param>
/// <param name="Address">Guest-physical address.</param>
/// <param name="Size">Size found by the all-ones probe.</param>
/// <param name="Is64">A 64-bit BAR.</param>
/// <param name="Prefetchable">Prefetchable memory.</param>
public sealed record GuestBarAssignment(int Index, ulong Address, ulong Size, bool Is64, bool Prefetchable);

/// <summary>Where MSI-X was brought up.</summary>
/// <param name="Capability">Offset of the MSI-X capability in config space.</param>
/// <param name="TableSize">Table entries.</param>
/// <param name="Vectors">Entries programmed (vector i to the LAPIC as FirstVector + i).</param>
/// <param name="TableAddress">Guest-physical address of the table.</param>
/// <param name="TableBar">BAR holding the table.</param>
/// <param name="TableOffset">Table offset within that BAR.</param>
public sealed record GuestMsixSetup(int Capability, int TableSize, int Vectors, ulong TableAddress, int TableBar, ulong TableOffset);

/// <summary>How the guest took interrupts.</summary>
public enum GuestInterruptMode
{
    /// <summary>Neither MSI nor MSI-X.</summary>
    None,

    /// <summary>MSI.</summary>
    Msi,

    /// <summary>MSI-X.</summary>
    Msix,
}

/// <summary>One vector's doorbell test.</summary>
/// <param name="Vector">The function's vector (table entry or MSI vector).</param>
/// <param name="X86Vector">The LAPIC vector it was programmed to.</param>
/// <param name="Rung">Doorbells rung.</param>
/// <param name="Received">Interrupts that arrived.</param>
public sealed record GuestVectorResult(int Vector, int X86Vector, int Rung, long Received);

/// <summary>Doorbell → guest interrupt round trips.</summary>
/// <param name="Samples">Round trips measured.</param>
/// <param name="Lost">Doorbells whose interrupt did not arrive in time.</param>
/// <param name="MedianMicroseconds">Median.</param>
/// <param name="P99Microseconds">99th percentile.</param>
/// <param name="MinMicroseconds">Fastest.</param>
/// <param name="MaxMicroseconds">Slowest.</param>
public sealed record GuestLatency(int Samples, int Lost, double MedianMicroseconds, double P99Microseconds, double MinMicroseconds, double MaxMicroseconds);

/// <summary>What the guest driver found and did on one function.</summary>
/// <param name="Function">The function.</param>
/// <param name="Bars">Its BARs as placed.</param>
/// <param name="Mode">The interrupt mechanism used.</param>
/// <param name="TableSize">MSI-X table entries, or MSI vectors the function can do.</param>
/// <param name="Vectors">Per-vector doorbell results (empty without a doorbell).</param>
/// <param name="Latency">Round-trip latency (null without a doorbell or with 0 rounds).</param>
/// <param name="Steps">What was done, in order, one line each.</param>
public sealed record GuestProbeResult(
    GuestFunctionInfo Function,
    IReadOnlyList<GuestBarAssignment> Bars,
    GuestInterruptMode Mode,
    int TableSize,
    IReadOnlyList<GuestVectorResult> Vectors,
    GuestLatency? Latency,
    IReadOnlyList<string> Steps)
{
    /// <summary>Whether every vector rung got exactly its interrupts and no latency round was lost.</summary>
    public bool AllDelivered => Vectors.All(v => v.Received == v.Rung) && (Latency?.Lost ?? 0) == 0;
}
