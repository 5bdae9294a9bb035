using Microsoft.Data.Sqlite;

namespace Passage.Store.Persistence;

/// <summary>
/// Writes batches of change sets into the store database, one SQLite transaction per batch,
/// through commands prepared once and rebound for every row. Used by the writer thread only.
/// </summary>
/// <remarks>
/// Within a change set the deletes run before the upserts: a set that removes a path and then
/// creates it again (RM and WRITE in one transaction) names it in both lists and must end with
/// the node present, which no other order gives. Sets run in ticket order, so a later set's
/// rows win. The global generation and the domain set are written once per batch, from the
/// last set that carries them.
/// </remarks>
internal sealed class SqliteBatchWriter : IDisposable
{
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _upsert;
    private readonly SqliteParameter _upsertPath;
    private readonly SqliteParameter _upsertValue;
    private readonly SqliteParameter _upsertPermissions;
    private readonly SqliteParameter _upsertChildren;
    private readonly SqliteParameter _upsertGeneration;
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deletePath;
    private readonly SqliteCommand _setGeneration;
    private readonly SqliteParameter _generation;
    private readonly SqliteCommand _clearDomains;
    private readonly SqliteCommand _insertDomain;
    private readonly SqliteParameter _domainId;
    private readonly SqliteParameter _domainFrame;
    private readonly SqliteParameter _domainEventChannel;

    // The nodes of one change set share its generation: box it once per set, not once per row.
    private ulong _boxedGeneration;
    private object _boxedGenerationValue = 0L;

    /// <summary>Prepares the statements on <paramref name="connection"/>.</summary>
    public SqliteBatchWriter(SqliteConnection connection)
    {
        // BEGIN IMMEDIATE takes the write lock at once, so a batch never fails half-way on an upgrade.
        _begin = Prepare(connection, "BEGIN IMMEDIATE");
        _commit = Prepare(connection, "COMMIT");
        _rollback = Prepare(connection, "ROLLBACK");

        _upsert = connection.CreateCommand();
        _upsert.CommandText = """
            INSERT INTO node (path, value, permissions, children, generation)
            VALUES ($path, $value, $permissions, $children, $generation)
            ON CONFLICT (path) DO UPDATE SET
                value = excluded.value, permissions = excluded.permissions,
                children = excluded.children, generation = excluded.generation
            """;
        _upsertPath = _upsert.Parameters.Add("$path", SqliteType.Text);
        _upsertValue = _upsert.Parameters.Add("$value", SqliteType.Blob);
        _upsertPermissions = _upsert.Parameters.Add("$permissions", SqliteType.Text);
        _upsertChildren = _upsert.Parameters.Add("$children", SqliteType.Blob);
        _upsertGeneration = _upsert.Parameters.Add("$generation", SqliteType.Integer);
        _upsert.Prepare();

        _delete = connection.CreateCommand();
        _delete.CommandText = "DELETE FROM node WHERE path = $path";
        _deletePath = _delete.Parameters.Add("$path", SqliteType.Text);
        _delete.Prepare();

        _setGeneration = connection.CreateCommand();
        _setGeneration.CommandText = "UPDATE store_state SET generation = $generation WHERE id = 1";
        _generation = _setGeneration.Parameters.Add("$generation", SqliteType.Integer);
        _setGeneration.Prepare();

        _clearDomains = Prepare(connection, "DELETE FROM introduced_domain");

        _insertDomain = connection.CreateCommand();
        _insertDomain.CommandText = "INSERT INTO introduced_domain (domain_id, frame, event_channel) VALUES ($id, $frame, $channel)";
        _domainId = _insertDomain.Parameters.Add("$id", SqliteType.Integer);
        _domainFrame = _insertDomain.Parameters.Add("$frame", SqliteType.Integer);
        _domainEventChannel = _insertDomain.Parameters.Add("$channel", SqliteType.Integer);
        _insertDomain.Prepare();
    }

    /// <summary>Writes <paramref name="batch"/> (not empty) in one transaction; on any failure rolls back and rethrows.</summary>
    public void Write(List<StoreChangeSet> batch)
    {
        _begin.ExecuteNonQuery();
        try
        {
            IReadOnlyList<IntroducedDomain>? domains = null;
            foreach (StoreChangeSet changes in batch)
            {
                Apply(changes);
                domains = changes.Domains ?? domains;
            }

            if (domains is not null)
            {
                WriteDomains(domains);
            }

            _generation.Value = unchecked((long)batch[^1].Generation);
            _setGeneration.ExecuteNonQuery();
            _commit.ExecuteNonQuery();
        }
        catch
        {
            TryRollback();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (SqliteCommand command in new[] { _begin, _commit, _rollback, _upsert, _delete, _setGeneration, _clearDomains, _insertDomain })
        {
            command.Dispose();
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Prepare();
        return command;
    }

    private void Apply(StoreChangeSet changes)
    {
        foreach (string path in changes.Deletes)
        {
            _deletePath.Value = path;
            _delete.ExecuteNonQuery();
        }

        foreach (PersistedNode node in changes.Upserts)
        {
            _upsertPath.Value = node.Path;
            _upsertValue.Value = node.Value;
            _upsertPermissions.Value = node.Permissions;
            _upsertChildren.Value = SqliteChildNames.Encode(node.Children);
            _upsertGeneration.Value = BoxedGeneration(node.Generation);
            _upsert.ExecuteNonQuery();
        }
    }

    private object BoxedGeneration(ulong generation)
    {
        if (generation != _boxedGeneration)
        {
            _boxedGeneration = generation;
            _boxedGenerationValue = unchecked((long)generation);
        }

        return _boxedGenerationValue;
    }

    private void WriteDomains(IReadOnlyList<IntroducedDomain> domains)
    {
        _clearDomains.ExecuteNonQuery();
        foreach (IntroducedDomain domain in domains)
        {
            _domainId.Value = domain.DomainId;
            _domainFrame.Value = unchecked((long)domain.Frame);
            _domainEventChannel.Value = (long)domain.EventChannel;
            _insertDomain.ExecuteNonQuery();
        }
    }

    private void TryRollback()
    {
        try
        {
            _rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // SQLite may already have rolled back (a full disk or an I/O error ends the transaction).
        }
    }
}
