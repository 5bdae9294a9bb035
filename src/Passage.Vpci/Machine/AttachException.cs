namespace Passage.Vpci.Machine;

/// <summary>A function could not be attached to the machine: the slot is taken, out of range, or every slot is in use.</summary>
public sealed class AttachException : Exception
{
    /// <summary>Creates the exception with a one-line <paramref name="message"/>.</summary>
    public AttachException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line <paramref name="message"/> and its cause.</summary>
    public AttachException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public AttachException()
        : base("the function could not be attached")
    {
    }
}
