using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

/// <summary>
/// The first message of a connection that was read before it became a session: a client that
/// reconnects while its previous session is still tearing down is taken on with the VERSION it
/// already sent.
/// </summary>
/// <param name="Header">Its header.</param>
/// <param name="Payload">A copy of its payload.</param>
/// <param name="Fds">The fds that came with it (owned).</param>
internal sealed record FirstMessage(VfioUserHeader Header, byte[] Payload, FileDescriptorHandle[] Fds);
