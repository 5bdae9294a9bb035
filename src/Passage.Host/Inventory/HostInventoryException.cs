namespace Passage.Host.Inventory;

/// <summary>The host's PCI inventory cannot be read; the message is one line fit for a command line.</summary>
public sealed class HostInventoryException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public HostInventoryException()
        : base("the host's PCI inventory cannot be read")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public HostInventoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure that caused it.</summary>
    public HostInventoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
