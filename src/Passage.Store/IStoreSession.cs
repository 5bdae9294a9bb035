using System.Buffers;
using Passage.Store.Protocol;

namespace Passage.Store;

/// <summary>
/// One client's connection to the store, as domain <see cref="DomainId"/>: its transactions and
/// watches. Disposing it discards both, as a XenStore disconnect does.
/// </summary>
public interface IStoreSession : IDisposable
{
    /// <summary>The domain this connection speaks for (0 = privileged).</summary>
    int DomainId { get; }

    /// <summary>
    /// Handles one request whose payload is at most <see cref="XsHeader.MaxPayload"/> bytes: writes
    /// its reply frame (header and payload; ERROR on failure, same ids) to <paramref name="output"/>,
    /// and for WATCH the initial event frame after it. Returns the durability ticket the reply must
    /// wait for before it is sent (0 when the request changed nothing).
    /// </summary>
    long Handle(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output);
}
