namespace Passage.Vpci.Guest;

/// <summary>The guest driver model could not do its work on a function (none there, no MSI or MSI-X, no room for a BAR).</summary>
public sealed class GuestDriverException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GuestDriverException()
        : base("the guest driver failed")
    {
    }

    /// <summary>Creates the exception with a message saying what failed.</summary>
    public GuestDriverException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GuestDriverException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
