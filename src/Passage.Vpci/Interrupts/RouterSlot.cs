using Passage.Host.Linux;

namespace Passage.Vpci.Interrupts;

/// <summary>One eventfd the router waits on, and the emulation its signals go to.</summary>
public sealed class RouterSlot
{
    internal RouterSlot(ulong key, EventFd eventFd, IInterruptTarget target, int vector)
    {
        Key = key;
        EventFd = eventFd;
        Target = target;
        Vector = vector;
    }

    /// <summary>The eventfd the device signals.</summary>
    public EventFd EventFd { get; }

    /// <summary>The vector number within its target.</summary>
    public int Vector { get; }

    internal ulong Key { get; }

    internal IInterruptTarget Target { get; }

    /// <summary>Signals received (each an interrupt the device sent).</summary>
    public long Signals => Interlocked.Read(ref SignalCount);

    internal long SignalCount;
}
