using Microsoft.Extensions.Hosting;

namespace Passage.Store.Server;

/// <summary>
/// A host lifetime that does nothing: the store server is a library object started and stopped by
/// its owner, so it must not take the process's Ctrl-C or SIGTERM as the console lifetime would.
/// </summary>
internal sealed class QuietHostLifetime : IHostLifetime
{
    /// <inheritdoc/>
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
