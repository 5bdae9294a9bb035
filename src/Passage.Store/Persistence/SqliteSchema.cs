using Microsoft.Data.Sqlite;

namespace Passage.Store.Persistence;

/// <summary>
/// The store database's tables and their version (<c>PRAGMA user_version</c>). A node row holds
/// the path (primary key), the raw value, the permission text, the child names
/// (<see cref="SqliteChildNames"/>) and the node's generation; one row of <c>store_state</c>
/// holds the global generation; <c>introduced_domain</c> holds the INTRODUCEd domains.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this build reads and writes.</summary>
    public const int Version = 1;

    private const string CreateTables = """
        CREATE TABLE node (
            path TEXT NOT NULL PRIMARY KEY,
            value BLOB NOT NULL,
            permissions TEXT NOT NULL,
            children BLOB NOT NULL,
            generation INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE store_state (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            generation INTEGER NOT NULL
        );
        INSERT INTO store_state (id, generation) VALUES (1, 0);
        CREATE TABLE introduced_domain (
            domain_id INTEGER NOT NULL PRIMARY KEY,
            frame INTEGER NOT NULL,
            event_channel INTEGER NOT NULL
        );
        """;

    /// <summary>
    /// Checks that <paramref name="connection"/> holds a store of <see cref="Version"/>, or is
    /// empty; then switches it to WAL and, when empty, creates the tables. Reading the header
    /// first leaves a foreign database untouched.
    /// </summary>
    public static void Prepare(SqliteConnection connection, string path)
    {
        if (!IsEmpty(connection, path))
        {
            SwitchToWal(connection, path);
            return;
        }

        SwitchToWal(connection, path);
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            // Another process may have created the store between the check and the lock.
            if (IsEmpty(connection, path))
            {
                Execute(connection, CreateTables);
                Execute(connection, $"PRAGMA user_version = {Version}");
            }

            Execute(connection, "COMMIT");
        }
        catch
        {
            Execute(connection, "ROLLBACK");
            throw;
        }
    }

    /// <summary>True for a database without any table; throws for a foreign database or another version.</summary>
    private static bool IsEmpty(SqliteConnection connection, string path)
    {
        long version = Scalar(connection, "PRAGMA user_version");
        if (version == Version)
        {
            return false;
        }

        if (version != 0)
        {
            throw new SqlitePersistenceException(
                SqlitePersistenceFailure.SchemaVersion,
                $"The store database {path} has schema version {version}, but this build of Passage reads only version {Version}.");
        }

        if (Scalar(connection, "SELECT count(*) FROM sqlite_schema") != 0)
        {
            throw new SqlitePersistenceException(
                SqlitePersistenceFailure.NotAStoreDatabase,
                $"The file {path} is a SQLite database of something other than a Passage store.");
        }

        return true;
    }

    private static void SwitchToWal(SqliteConnection connection, string path)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        string? mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqlitePersistenceException(
                SqlitePersistenceFailure.CannotOpen,
                $"The store database {path} cannot use write-ahead logging (journal mode stays '{mode}').");
        }
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
