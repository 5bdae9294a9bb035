using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Client;

/// <summary>A message a scripted peer got back from the client (a reply to the peer's own DMA command): header and payload copy.</summary>
internal sealed record PeerMessage(VfioUserHeader Header, byte[] Payload);
