namespace Passage.Store.Persistence;

/// <summary>
/// The store database could not be opened, or persisting failed. The message is one sentence
/// naming the file, fit to print as one line.
/// </summary>
public sealed class SqlitePersistenceException : Exception
{
    /// <summary>Creates the exception for <paramref name="failure"/> with a one-sentence <paramref name="message"/>.</summary>
    public SqlitePersistenceException(SqlitePersistenceFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What went wrong.</summary>
    public SqlitePersistenceFailure Failure { get; }
}
