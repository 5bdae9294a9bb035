namespace Passage.Cli;

/// <summary>A command line that parsed but asks for something malformed; printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
