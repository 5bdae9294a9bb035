using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;

namespace Passage.Scenarios.Harness;

/// <summary>
/// Counts the MSI-X messages a simulated function really sends, per vector, on their way to the
/// host's interrupt engine: the device's side of an interrupt count, against which what the guest
/// received can be compared when some doorbells are legitimately lost before the device sends.
/// </summary>
internal sealed class SentMessageCounter : IInterruptSink
{
    private readonly IInterruptSink _next;
    private readonly long[] _msix;

    private SentMessageCounter(IInterruptSink next, int vectors)
    {
        _next = next;
        _msix = new long[vectors];
    }

    /// <summary>Puts a counter between <paramref name="device"/>'s function and the device (call right after opening it).</summary>
    public static SentMessageCounter Install(SimDevice device)
    {
        var counter = new SentMessageCounter(device.Function.Sink, Math.Max(device.MsixVectors, 1));
        device.Function.Sink = counter;
        return counter;
    }

    /// <summary>MSI-X messages sent on <paramref name="vector"/>.</summary>
    public long Msix(int vector) => Interlocked.Read(ref _msix[vector]);

    /// <inheritdoc />
    public void MsixVector(int vector, ulong address, uint data)
    {
        if ((uint)vector < (uint)_msix.Length)
        {
            Interlocked.Increment(ref _msix[vector]);
        }

        _next.MsixVector(vector, address, data);
    }

    /// <inheritdoc />
    public void MsiVector(int vector, ulong address, uint data) => _next.MsiVector(vector, address, data);

    /// <inheritdoc />
    public void Intx(bool asserted) => _next.Intx(asserted);

    /// <inheritdoc />
    public void Error(AerSeverity severity) => _next.Error(severity);
}
