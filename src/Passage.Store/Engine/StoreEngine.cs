using System.Buffers;
using Microsoft.Extensions.Logging;
using Passage.Store.Domains;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Transactions;
using Passage.Store.Tree;
using Passage.Store.Watches;

namespace Passage.Store.Engine;

/// <summary>
/// The store's request engine (store.md): the tree with its permissions and quotas, transactions
/// under C xenstored's generation-count rule over MVCC snapshots, watches and domains. Requests
/// run one at a time under one lock; every committed change is appended to the persistence as one
/// change set while the lock is held, so tickets follow commit order.
/// </summary>
public sealed partial class StoreEngine : IStoreService, IDisposable
{
    private readonly Lock _lock = new();
    private readonly IStorePersistence _persistence;
    private readonly StoreOptions _options;
    private readonly NodeTree _tree = new();
    private readonly WorkingSet _scratch;
    private readonly WatchTable _watches = new();
    private readonly DomainTable _domains = new();
    private readonly List<StoreConnection> _connections = [];
    private readonly SortedSet<ulong> _openSnapshots = [];
    private readonly Dictionary<string, NodePermissions> _specialPermissions = new(StringComparer.Ordinal)
    {
        [StorePath.IntroduceDomain] = NodePermissions.Dom0Only,
        [StorePath.ReleaseDomain] = NodePermissions.Dom0Only,
    };

    private readonly char[] _path = new char[StorePath.MaxResolvedLength];
    private readonly byte[] _eventPath = new byte[StorePath.MaxResolvedLength];
    private ulong _generation;
    private bool _disposed;

    /// <summary>Opens the store held by <paramref name="persistence"/>; an empty image becomes a fresh store (<c>/</c>, <c>/tool</c>, <c>/tool/xenstored</c>).</summary>
    public StoreEngine(IStorePersistence persistence, StoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        _persistence = persistence;
        _options = options ?? new StoreOptions();
        _scratch = new WorkingSet(_tree, ulong.MaxValue, int.MaxValue);
        Load(persistence.Load());
    }

    /// <summary>The global generation counter.</summary>
    internal ulong Generation => _generation;

    /// <summary>The committed tree (tests inspect it).</summary>
    internal NodeTree Tree => _tree;

    /// <summary>Transactions open on any connection.</summary>
    internal int OpenTransactions => _openSnapshots.Count;

    /// <inheritdoc/>
    public IStoreSession Open(int domainId, IWatchEventSink events)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(domainId);
        ArgumentNullException.ThrowIfNull(events);
        var connection = new StoreConnection(this, domainId, events);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _connections.Add(connection);
        }

        return connection;
    }

    /// <inheritdoc/>
    public ValueTask WaitDurableAsync(long ticket, CancellationToken cancellationToken = default) =>
        ticket <= 0 ? ValueTask.CompletedTask : _persistence.WaitDurableAsync(ticket, cancellationToken);

    /// <summary>Closes the persistence; connections opened on the engine must not be used afterwards.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _persistence.Dispose();
    }

    /// <summary>Runs a test's inspection under the engine lock.</summary>
    internal T Inspect<T>(Func<StoreEngine, T> inspect)
    {
        lock (_lock)
        {
            return inspect(this);
        }
    }

    internal long Handle(StoreConnection connection, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(connection.Closed, connection);
            long ticket = 0;
            StoreError error;
            try
            {
                error = Dispatch(connection, header, payload, output, ref ticket);
            }
            catch (Exception ex) when (ex is not ObjectDisposedException)
            {
                // A bug must not take the server down or leave a half-staged request behind.
                _scratch.Clear();
                _options.Logger?.LogError(ex, "Store request {Type} failed", header.Type);
                error = StoreError.EIO;
            }

            if (error != StoreError.None)
            {
                ReplyWriter.Error(output, header, error);
            }

            return ticket;
        }
    }

    internal void Close(StoreConnection connection)
    {
        lock (_lock)
        {
            if (connection.Closed)
            {
                return;
            }

            connection.Closed = true;
            ResetConnection(connection);
            _connections.Remove(connection);
        }
    }

    private StoreError Dispatch(StoreConnection connection, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, ref long ticket)
    {
        switch (header.Type)
        {
            case XsMessageType.Watch:
                return AddWatch(connection, header, payload, output);
            case XsMessageType.Unwatch:
                return RemoveWatch(connection, header, payload, output);
            case XsMessageType.TransactionStart:
                return StartTransaction(connection, header, output);
            case XsMessageType.TransactionEnd:
                return EndTransaction(connection, header, payload, output, ref ticket);
            case XsMessageType.WatchEvent:
            case XsMessageType.Error:
                // Server-to-client types make no sense as requests.
                return StoreError.EINVAL;
            case XsMessageType.Control:
            case XsMessageType.Directory:
            case XsMessageType.Read:
            case XsMessageType.GetPerms:
            case XsMessageType.Introduce:
            case XsMessageType.Release:
            case XsMessageType.GetDomainPath:
            case XsMessageType.Write:
            case XsMessageType.Mkdir:
            case XsMessageType.Rm:
            case XsMessageType.SetPerms:
            case XsMessageType.IsDomainIntroduced:
            case XsMessageType.Resume:
            case XsMessageType.SetTarget:
            case XsMessageType.ResetWatches:
            case XsMessageType.DirectoryPart:
                break;
            default:
                return StoreError.ENOSYS;
        }

        Transaction? transaction = null;
        if (header.TransactionId != 0 && !connection.Transactions.TryGetValue(header.TransactionId, out transaction))
        {
            return StoreError.ENOENT;
        }

        switch (header.Type)
        {
            case XsMessageType.Control:
            case XsMessageType.Introduce:
            case XsMessageType.Release:
            case XsMessageType.IsDomainIntroduced:
            case XsMessageType.Resume:
            case XsMessageType.SetTarget:
                return connection.IsPrivileged ? DispatchPrivileged(connection, header, payload, output, ref ticket) : StoreError.EACCES;
            case XsMessageType.GetDomainPath:
                return GetDomainPath(header, payload, output);
            case XsMessageType.ResetWatches:
                ResetConnection(connection);
                ReplyWriter.Reply(output, header, ReplyWriter.Ok);
                return StoreError.None;
            default:
                break;
        }

        if (transaction is { Changes.QuotaExceeded: true })
        {
            // A failed transaction keeps failing until it is ended.
            return StoreError.ENOSPC;
        }

        switch (header.Type)
        {
            case XsMessageType.Read:
                return Read(connection, transaction, header, payload, output);
            case XsMessageType.Directory:
                return Directory(connection, transaction, header, payload, output);
            case XsMessageType.DirectoryPart:
                return DirectoryPart(connection, transaction, header, payload, output);
            case XsMessageType.GetPerms:
                return GetPermissions(connection, transaction, header, payload, output);
            default:
                return Change(connection, transaction, header, payload, output, ref ticket);
        }
    }

    private StoreError DispatchPrivileged(StoreConnection connection, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, ref long ticket) =>
        header.Type switch
        {
            XsMessageType.Control => Control(header, payload, output),
            XsMessageType.Introduce => Introduce(header, payload, output, ref ticket),
            XsMessageType.Release => Release(header, payload, output, ref ticket),
            XsMessageType.IsDomainIntroduced => IsDomainIntroduced(header, payload, output),
            XsMessageType.Resume => Resume(header, payload, output),
            XsMessageType.SetTarget => SetTarget(header, payload, output),
            _ => StoreError.ENOSYS,
        };

    /// <summary>Validates and resolves a path argument into the engine's path buffer.</summary>
    private StoreError ResolvePath(StoreConnection connection, ReadOnlySpan<byte> raw, out ReadOnlySpan<char> path, out PathKind kind)
    {
        StoreError error = StorePath.Resolve(raw, connection.DomainId, _options.PathLengthQuota, _path, out int length, out kind);
        path = _path.AsSpan(0, length);
        return error;
    }

    /// <summary>Drops a connection's watches and open transactions (RESET_WATCHES, re-INTRODUCE, disconnect).</summary>
    private void ResetConnection(StoreConnection connection)
    {
        foreach (Watch watch in connection.Watches)
        {
            _watches.Remove(watch);
        }

        connection.Watches.Clear();
        if (connection.Transactions.Count > 0)
        {
            foreach (Transaction transaction in connection.Transactions.Values)
            {
                _openSnapshots.Remove(transaction.StartGeneration);
            }

            connection.Transactions.Clear();
            PruneVersions();
        }
    }

    private void Load(StoreImage image)
    {
        _generation = image.Generation;
        foreach (IntroducedDomain domain in image.Domains)
        {
            _domains.Introduce(domain);
        }

        if (image.Nodes.Count == 0)
        {
            CreateFreshStore();
            return;
        }

        foreach (PersistedNode persisted in image.Nodes)
        {
            if (persisted.Path.StartsWith('@'))
            {
                _specialPermissions[persisted.Path] = NodePermissions.ParseText(persisted.Permissions);
                continue;
            }

            Node node = Node.FromPersisted(persisted);
            _tree.Install(node, keepOlder: false);
            _generation = Math.Max(_generation, node.Generation);
        }
    }

    private void CreateFreshStore()
    {
        Node root = Node.Leaf("/", [], NodePermissions.Dom0Only).WithChildAdded("tool");
        Node tool = Node.Leaf("/tool", [], NodePermissions.Dom0Only).WithChildAdded("xenstored");
        Node xenstored = Node.Leaf("/tool/xenstored", [], NodePermissions.Dom0Only);
        foreach (Node node in (ReadOnlySpan<Node>)[root, tool, xenstored])
        {
            _scratch.TryGet(node.Path, out _);
            _scratch.Put(node);
        }

        Apply(_scratch);
    }
}
