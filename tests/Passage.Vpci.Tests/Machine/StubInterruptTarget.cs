using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Tests.Machine;

/// <summary>An interrupt emulation that turns every signal into one fixed message.</summary>
internal sealed class StubInterruptTarget(MsiMessage message) : IInterruptTarget
{
    private long _arrivals;

    public long Arrivals => Interlocked.Read(ref _arrivals);

    public int Arrive(int vector, ulong count, out MsiMessage delivered)
    {
        Interlocked.Add(ref _arrivals, (long)count);
        delivered = message;
        return (int)count;
    }
}
