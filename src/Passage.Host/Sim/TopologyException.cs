namespace Passage.Host.Sim;

/// <summary>A topology file that cannot be read or is not a valid simulated host; the message is one line naming the file and the place.</summary>
public sealed class TopologyException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public TopologyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and cause.</summary>
    public TopologyException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
