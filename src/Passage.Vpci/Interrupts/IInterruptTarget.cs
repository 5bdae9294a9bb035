namespace Passage.Vpci.Interrupts;

/// <summary>
/// The emulation behind a router slot (MSI, MSI-X or INTx): decides what an eventfd signal on
/// <c>vector</c> becomes (vpci.md §7.8). MSI and MSI-X decide without the function lock, so
/// config and MMIO handling never hold up an interrupt.
/// </summary>
public interface IInterruptTarget
{
    /// <summary>
    /// <paramref name="count"/> signals arrived on <paramref name="vector"/>; returns how many
    /// copies of <paramref name="message"/> to deliver (0 when ignored or latched as pending).
    /// </summary>
    int Arrive(int vector, ulong count, out MsiMessage message);
}
