namespace Passage.Store;

/// <summary>A store request failed with a XenStore error (store.md §3).</summary>
public sealed class StoreException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/> with a message saying what failed.</summary>
    public StoreException(StoreError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>The XenStore error.</summary>
    public StoreError Error { get; }
}
