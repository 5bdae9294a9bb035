namespace Passage.Store.Persistence;

/// <summary>Why <see cref="SqlitePersistence"/> could not open its database or persist a change.</summary>
public enum SqlitePersistenceFailure
{
    /// <summary>The database file could not be opened, created or read (missing directory, no access, an I/O error).</summary>
    CannotOpen,

    /// <summary>The file is not a SQLite database, or a SQLite database that is not a store.</summary>
    NotAStoreDatabase,

    /// <summary>The file is a store database of a schema version this build does not read.</summary>
    SchemaVersion,

    /// <summary>Writing committed changes failed; nothing appended since is durable.</summary>
    WriteFailed,
}
