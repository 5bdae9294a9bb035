namespace Passage.Store.Client;

/// <summary>The connection to the store is gone (closed by either side, broken, or the server broke the protocol): the request got no reply.</summary>
public sealed class StoreConnectionLostException : IOException
{
    /// <summary>Creates the exception with a message saying why the connection ended.</summary>
    public StoreConnectionLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that ended the connection.</summary>
    public StoreConnectionLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public StoreConnectionLostException()
        : base("the connection to the store is lost")
    {
    }
}
