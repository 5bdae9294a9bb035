namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Where a simulated function's interrupts and error messages go. The device policy layer maps
/// them to eventfds; tests record them. Called on the hot path: implementations must not block.
/// </summary>
public interface IInterruptSink
{
    /// <summary>MSI-X vector <paramref name="vector"/> fired with the message its table entry holds.</summary>
    void MsixVector(int vector, ulong address, uint data);

    /// <summary>MSI vector <paramref name="vector"/> fired; <paramref name="data"/> already carries the vector number.</summary>
    void MsiVector(int vector, ulong address, uint data);

    /// <summary>The INTx line changed level.</summary>
    void Intx(bool asserted);

    /// <summary>The function sent an error message (ERR_COR, ERR_NONFATAL or ERR_FATAL).</summary>
    void Error(AerSeverity severity);
}
