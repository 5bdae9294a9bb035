using Passage.VfioUser.Client;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Client;

/// <summary>A client connected to a scripted peer over a socket pair; disposing closes the client first, then the peer.</summary>
internal sealed class ClientHarness : IDisposable
{
    private ClientHarness(VfioUserClient client, ScriptedPeer peer)
    {
        Client = client;
        Peer = peer;
    }

    public VfioUserClient Client { get; }

    public ScriptedPeer Peer { get; }

    public static ClientHarness Start(PeerScript? script = null, VfioUserClientOptions? options = null)
    {
        (UnixSocket clientEnd, UnixSocket peerEnd) = UnixSocket.Pair();
        var peer = new ScriptedPeer(peerEnd, script ?? new PeerScript());
        try
        {
            return new ClientHarness(VfioUserClient.Connect(clientEnd, options, "scripted peer"), peer);
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        Peer.Dispose();
    }
}
