namespace Passage.Fuzz;

/// <summary>An accepted input broke an invariant the slow re-validation checks: a finding.</summary>
public sealed class FuzzCheckException : Exception
{
    /// <summary>A finding described by <paramref name="message"/>.</summary>
    public FuzzCheckException(string message)
        : base(message)
    {
    }

    /// <summary>A finding without a description.</summary>
    public FuzzCheckException()
    {
    }

    /// <summary>A finding with its cause.</summary>
    public FuzzCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws when <paramref name="condition"/> does not hold.</summary>
    public static void That(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzCheckException(what);
        }
    }
}
