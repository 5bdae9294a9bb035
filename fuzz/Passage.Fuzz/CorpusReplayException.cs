namespace Passage.Fuzz;

/// <summary>An input of a replayed corpus made its target throw.</summary>
public sealed class CorpusReplayException : Exception
{
    /// <summary>The failure of <paramref name="input"/>.</summary>
    public CorpusReplayException(string input, Exception innerException)
        : base($"{input}: {innerException?.Message}", innerException)
    {
        Input = input;
    }

    /// <summary>A failure without details.</summary>
    public CorpusReplayException()
    {
        Input = string.Empty;
    }

    /// <summary>A failure described by <paramref name="message"/>.</summary>
    public CorpusReplayException(string message)
        : base(message)
    {
        Input = string.Empty;
    }

    /// <summary>The input's path.</summary>
    public string Input { get; }
}
