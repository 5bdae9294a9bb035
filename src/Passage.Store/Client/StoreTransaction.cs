namespace Passage.Store.Client;

/// <summary>
/// An open transaction (store.md §7): every operation carries its id, so it sees the snapshot taken
/// at start plus its own writes. <see cref="CommitAsync"/> answers false on a conflict; the id is
/// dead after commit or abort either way.
/// </summary>
public sealed class StoreTransaction
{
    private readonly StoreClient _client;
    private int _ended;

    internal StoreTransaction(StoreClient client, uint id)
    {
        _client = client;
        Id = id;
    }

    /// <summary>The transaction id the server gave.</summary>
    public uint Id { get; }

    /// <summary>True once committed, aborted or failed at its end.</summary>
    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>Reads a node's raw value.</summary>
    public Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken = default) => _client.ReadCoreAsync(Id, path, cancellationToken);

    /// <summary>Reads a node's value as UTF-8 text.</summary>
    public Task<string> ReadStringAsync(string path, CancellationToken cancellationToken = default) => _client.ReadStringCoreAsync(Id, path, cancellationToken);

    /// <summary>Writes a node's raw value, creating missing parents.</summary>
    public Task WriteAsync(string path, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => _client.WriteCoreAsync(Id, path, value, cancellationToken);

    /// <summary>Writes a node's value as UTF-8 text, creating missing parents.</summary>
    public Task WriteAsync(string path, string value, CancellationToken cancellationToken = default) => _client.WriteCoreAsync(Id, path, StoreClient.Utf8(value), cancellationToken);

    /// <summary>Creates a node, keeping an existing one.</summary>
    public Task MkdirAsync(string path, CancellationToken cancellationToken = default) => _client.PathRequestAsync(Protocol.XsMessageType.Mkdir, Id, path, cancellationToken);

    /// <summary>Removes a subtree.</summary>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default) => _client.PathRequestAsync(Protocol.XsMessageType.Rm, Id, path, cancellationToken);

    /// <summary>Lists a node's children.</summary>
    public Task<IReadOnlyList<string>> DirectoryAsync(string path, CancellationToken cancellationToken = default) => _client.DirectoryCoreAsync(Id, path, cancellationToken);

    /// <summary>Reads a node's permissions (<c>n0</c>, <c>r5</c>, …; owner first).</summary>
    public Task<IReadOnlyList<string>> GetPermissionsAsync(string path, CancellationToken cancellationToken = default) => _client.GetPermissionsCoreAsync(Id, path, cancellationToken);

    /// <summary>Replaces a node's permissions (<c>n0</c>, <c>r5</c>, …; owner first).</summary>
    public Task SetPermissionsAsync(string path, IEnumerable<string> permissions, CancellationToken cancellationToken = default) => _client.SetPermissionsCoreAsync(Id, path, permissions, cancellationToken);

    /// <summary>Commits: true when applied, false when it conflicted (EAGAIN: rerun the whole transaction).</summary>
    /// <exception cref="StoreException">The commit failed otherwise (for example ENOMEM for a failed transaction).</exception>
    public async Task<bool> CommitAsync(CancellationToken cancellationToken = default)
    {
        MarkEnded();
        try
        {
            await _client.EndCoreAsync(Id, commit: true, cancellationToken);
            return true;
        }
        catch (StoreException exception) when (exception.Error == StoreError.EAGAIN)
        {
            return false;
        }
    }

    /// <summary>Aborts: nothing it wrote is applied.</summary>
    public Task AbortAsync(CancellationToken cancellationToken = default)
    {
        MarkEnded();
        return _client.EndCoreAsync(Id, commit: false, cancellationToken);
    }

    private void MarkEnded()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            throw new InvalidOperationException($"transaction {Id} has already ended");
        }
    }
}
