namespace Passage.VfioUser.Protocol;

/// <summary>The <c>twin_socket</c> capability (vfio-user.md §3): offered by a client, answered by a server with the index of the socket end among the reply's fds.</summary>
/// <param name="Supported">Offered (client) or accepted (server).</param>
/// <param name="FdIndex">Which of the VERSION reply's fds is the twin socket; only in replies.</param>
public sealed record TwinSocketCapability(bool Supported, int? FdIndex = null);
