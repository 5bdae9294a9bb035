namespace Passage.Cli;

/// <summary>The command tree; built once and invoked with the given writers.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        _ = args;
        _ = output;
        error.WriteLine("passage: no commands yet");
        return 1;
    }
}
