using Microsoft.Data.Sqlite;

namespace Passage.Store.Persistence;

/// <summary>Reads the committed state out of a store database in one read transaction, so nodes, generation and domains agree.</summary>
internal static class SqliteImageReader
{
    /// <summary>
    /// Reads every node (sorted by path, so a parent comes before its children), the global
    /// generation and the introduced domains (sorted by id).
    /// </summary>
    public static StoreImage Read(SqliteConnection connection)
    {
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: true);

        List<PersistedNode> nodes = [];
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT path, value, permissions, children, generation FROM node ORDER BY path";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                nodes.Add(new PersistedNode(
                    reader.GetString(0),
                    ReadBlob(reader, 1),
                    reader.GetString(2),
                    SqliteChildNames.Decode(ReadBlob(reader, 3)),
                    unchecked((ulong)reader.GetInt64(4))));
            }
        }

        ulong generation;
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT generation FROM store_state WHERE id = 1";
            generation = unchecked((ulong)(long)command.ExecuteScalar()!);
        }

        List<IntroducedDomain> domains = [];
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT domain_id, frame, event_channel FROM introduced_domain ORDER BY domain_id";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                domains.Add(new IntroducedDomain(reader.GetInt32(0), unchecked((ulong)reader.GetInt64(1)), (uint)reader.GetInt64(2)));
            }
        }

        transaction.Commit();
        return new StoreImage(nodes, generation, domains);
    }

    private static byte[] ReadBlob(SqliteDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);
}
