namespace Passage.Host.Sim.Runtime;

/// <summary>A sink that drops everything: a function nobody listens to yet.</summary>
internal sealed class NullInterruptSink : IInterruptSink
{
    /// <summary>The shared instance.</summary>
    public static readonly NullInterruptSink Instance = new();

    /// <inheritdoc/>
    public void MsixVector(int vector, ulong address, uint data)
    {
    }

    /// <inheritdoc/>
    public void MsiVector(int vector, ulong address, uint data)
    {
    }

    /// <inheritdoc/>
    public void Intx(bool asserted)
    {
    }

    /// <inheritdoc/>
    public void Error(AerSeverity severity)
    {
    }
}
