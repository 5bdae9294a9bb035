using System.Runtime.InteropServices;

namespace Passage.Cli;

/// <summary>
/// Ctrl-C, SIGTERM or the caller's shutdown token as one token, for commands that serve until
/// stopped: they shut down in order (clients released, socket files removed) instead of the
/// runtime ending the process.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    /// <summary>Starts listening for SIGINT and SIGTERM, and for <paramref name="shutdown"/>.</summary>
    public StopSignal(CancellationToken shutdown)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    /// <summary>Cancelled when the command should stop.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _stop.Cancel();
    }
}
