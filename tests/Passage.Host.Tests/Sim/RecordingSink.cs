using Passage.Host.Sim.Runtime;

namespace Passage.Host.Tests.Sim;

/// <summary>Records every interrupt and error message a function sends.</summary>
internal sealed class RecordingSink : IInterruptSink
{
    public List<(int Vector, ulong Address, uint Data)> Msix { get; } = [];

    public List<(int Vector, ulong Address, uint Data)> Msi { get; } = [];

    public List<bool> Intx { get; } = [];

    public List<AerSeverity> Errors { get; } = [];

    void IInterruptSink.MsixVector(int vector, ulong address, uint data) => Msix.Add((vector, address, data));

    void IInterruptSink.MsiVector(int vector, ulong address, uint data) => Msi.Add((vector, address, data));

    void IInterruptSink.Intx(bool asserted) => Intx.Add(asserted);

    void IInterruptSink.Error(AerSeverity severity) => Errors.Add(severity);
}
