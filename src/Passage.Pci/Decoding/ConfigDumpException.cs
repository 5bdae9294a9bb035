namespace Passage.Pci.Decoding;

/// <summary>A configuration-space dump could not be read; the message says where and what was expected.</summary>
public sealed class ConfigDumpException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public ConfigDumpException()
        : base("the config-space dump could not be read")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public ConfigDumpException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public ConfigDumpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a text dump, prefixing the message with the 1-based line number.</summary>
    public ConfigDumpException(int lineNumber, string message)
        : base($"line {lineNumber}: {message}")
    {
        LineNumber = lineNumber;
    }

    /// <summary>The 1-based line of a text dump where reading failed; null for binary input.</summary>
    public int? LineNumber { get; }
}
