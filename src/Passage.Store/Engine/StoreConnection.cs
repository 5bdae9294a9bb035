using System.Buffers;
using Passage.Store.Protocol;
using Passage.Store.Transactions;
using Passage.Store.Tree;
using Passage.Store.Watches;

namespace Passage.Store.Engine;

/// <summary>
/// One client connection to a <see cref="StoreEngine"/>, speaking for a domain: its open
/// transactions and its watches. Disposing it drops both.
/// </summary>
public sealed class StoreConnection : IStoreSession
{
    private readonly StoreEngine _engine;
    private uint _nextTransactionId = 1;

    internal StoreConnection(StoreEngine engine, int domainId, IWatchEventSink events)
    {
        _engine = engine;
        DomainId = domainId;
        Events = events;
        Home = StorePath.Home(domainId);
    }

    /// <inheritdoc/>
    public int DomainId { get; }

    /// <summary>True for dom0, which every permission and quota check lets through.</summary>
    internal bool IsPrivileged => DomainId == 0;

    /// <summary>Where this connection's watch events go.</summary>
    internal IWatchEventSink Events { get; }

    /// <summary><c>/local/domain/&lt;domid&gt;</c>, the base of relative paths.</summary>
    internal string Home { get; }

    /// <summary>This connection's watches, in registration order.</summary>
    internal List<Watch> Watches { get; } = [];

    /// <summary>This connection's open transactions by id.</summary>
    internal Dictionary<uint, Transaction> Transactions { get; } = [];

    /// <summary>True once disposed.</summary>
    internal bool Closed { get; set; }

    /// <inheritdoc/>
    public long Handle(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return _engine.Handle(this, header, payload, output);
    }

    /// <inheritdoc/>
    public void Dispose() => _engine.Close(this);

    /// <summary>The next transaction id: counts up from 1, skipping 0 and ids still open after a wrap.</summary>
    internal uint AllocateTransactionId()
    {
        while (_nextTransactionId == 0 || Transactions.ContainsKey(_nextTransactionId))
        {
            _nextTransactionId++;
        }

        return _nextTransactionId++;
    }
}
