using Microsoft.AspNetCore.Connections;

namespace Passage.Store.Server;

/// <summary>Kestrel's entry for each socket connection: its whole life is one <see cref="StoreConnectionLoop"/> as dom0.</summary>
internal sealed class StoreConnectionHandler(StoreServer server) : ConnectionHandler
{
    /// <inheritdoc/>
    public override Task OnConnectedAsync(ConnectionContext connection) => server.ServeSocketAsync(connection);
}
