using Passage.Vpci.Function;

namespace Passage.Vpci.Interrupts;

/// <summary>Where a virtual function's interrupts reach the guest: the machine's interrupt controller.</summary>
public interface IGuestInterruptSink
{
    /// <summary>An MSI or MSI-X message; called outside every function lock and must not allocate.</summary>
    void Deliver(MsiMessage message);

    /// <summary>The function's virtual INTx line went to <paramref name="asserted"/>.</summary>
    void SetIntx(VirtualFunction function, bool asserted);
}
