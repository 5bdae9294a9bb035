namespace Passage.Vpci.Interrupts;

/// <summary>
/// The emulation behind a router slot (MSI or MSI-X): decides, under its function lock, what an
/// eventfd signal on <c>vector</c> becomes (vpci.md §7.8).
/// </summary>
public interface IInterruptTarget
{
    /// <summary>
    /// <paramref name="count"/> signals arrived on <paramref name="vector"/>; returns how many
    /// copies of <paramref name="message"/> to deliver (0 when ignored or latched as pending).
    /// </summary>
    int Arrive(int vector, ulong count, out MsiMessage message);
}
