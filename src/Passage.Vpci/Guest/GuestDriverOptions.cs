namespace Passage.Vpci.Guest;

/// <summary>How the guest driver model lays out and exercises a function.</summary>
public sealed record GuestDriverOptions
{
    /// <summary>The device's doorbell register: a write of n makes it raise interrupt n. Null = no doorbells (interrupts set up, none rung).</summary>
    public DoorbellRegister? Doorbell { get; init; }

    /// <summary>Doorbells rung on vector 0 to measure the interrupt round trip.</summary>
    public int LatencyRounds { get; init; } = 1000;

    /// <summary>Most vectors set up (the table may hold more).</summary>
    public int MaxVectors { get; init; } = 64;

    /// <summary>First x86 vector used; vector i of the function is delivered as FirstVector + i.</summary>
    public int FirstVector { get; init; } = 0x40;

    /// <summary>How long one interrupt may take before it counts as lost.</summary>
    public TimeSpan InterruptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where 32-bit BARs are placed: [base, limit).</summary>
    public ulong Mmio32Base { get; init; } = 0x8000_0000;

    /// <summary>End of the 32-bit BAR window (the ECAM window starts there).</summary>
    public ulong Mmio32Limit { get; init; } = 0xE000_0000;

    /// <summary>Where 64-bit BARs are placed (above 4 GiB).</summary>
    public ulong Mmio64Base { get; init; } = 0x40_0000_0000;

    /// <summary>The defaults.</summary>
    public static GuestDriverOptions Default { get; } = new();
}

/// <summary>A device register that makes it raise interrupt n when n is written (a simulated model's DOORBELL).</summary>
/// <param name="Bar">BAR index.</param>
/// <param name="Offset">Offset within the BAR.</param>
public sealed record DoorbellRegister(int Bar, ulong Offset);
