namespace Passage.Host.Sim.Runtime;

/// <summary>
/// The simulation control block every endpoint model carries inside one of its BARs: a doorbell
/// that makes the device raise an interrupt, a scratch register, and read-only counters. Only
/// aligned 32-bit accesses reach it; other sizes read all ones and are dropped.
/// </summary>
/// <param name="Bar">BAR index holding the block.</param>
/// <param name="Offset">Offset of the block within the BAR (32-byte aligned).</param>
public sealed record SimControlBlock(int Bar, ulong Offset)
{
    /// <summary>Bytes the block occupies.</summary>
    public const int Length = 0x20;

    /// <summary>Write n: the device raises interrupt n (MSI-X vector, else MSI vector, else INTx).</summary>
    public const int Doorbell = 0x00;

    /// <summary>Plain read/write storage, cleared by every reset.</summary>
    public const int Scratch = 0x04;

    /// <summary>Any write deasserts INTx (clears Status.Interrupt Status).</summary>
    public const int IntxAcknowledge = 0x08;

    /// <summary>Interrupts the device was asked to raise (doorbell writes).</summary>
    public const int InterruptsRequested = 0x10;

    /// <summary>Interrupt messages sent and INTx assertions made.</summary>
    public const int InterruptsSent = 0x14;

    /// <summary>Resets the function went through.</summary>
    public const int ResetsPerformed = 0x18;

    /// <summary>The block's registers, documented.</summary>
    public IReadOnlyList<SimRegister> Registers =>
    [
        new("DOORBELL", Bar, Offset + Doorbell, 4, SimRegisterAccess.WriteOnly, "write n: raise interrupt n (MSI-X vector if MSI-X is on, else MSI vector if MSI is on, else INTx)"),
        new("SCRATCH", Bar, Offset + Scratch, 4, SimRegisterAccess.ReadWrite, "plain storage, 0 after any reset"),
        new("INTX_ACK", Bar, Offset + IntxAcknowledge, 4, SimRegisterAccess.WriteOnly, "any write deasserts INTx"),
        new("IRQ_REQUESTED", Bar, Offset + InterruptsRequested, 4, SimRegisterAccess.ReadOnly, "interrupts requested through DOORBELL"),
        new("IRQ_SENT", Bar, Offset + InterruptsSent, 4, SimRegisterAccess.ReadOnly, "MSI/MSI-X messages sent and INTx assertions"),
        new("RESETS", Bar, Offset + ResetsPerformed, 4, SimRegisterAccess.ReadOnly, "resets performed (FLR, AF FLR, PM, bus); survives resets"),
    ];

    /// <summary>Whether [<paramref name="offset"/>, +<paramref name="size"/>) in BAR <paramref name="bar"/> touches the block.</summary>
    public bool Contains(int bar, ulong offset, int size) => bar == Bar && offset < Offset + Length && Offset < offset + (ulong)size;
}
