using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Client;

/// <summary>A request a scripted peer received: its header, a copy of its payload and the fds that came with it (closed when the peer is disposed).</summary>
internal sealed record PeerRequest(VfioUserHeader Header, byte[] Payload, FileDescriptorHandle[] Fds, ScriptedPeer Peer)
{
    public VfioUserCommand Command => Header.Command;
}
