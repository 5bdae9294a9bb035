using System.Collections.Concurrent;
using System.Diagnostics;

namespace Passage.Scenarios.Harness;

/// <summary>
/// The real <c>passage</c> command line running as a child process (<c>dotnet passage.dll …</c>
/// from the test's output directory), its standard output and error collected line by line.
/// Disposing it kills it if it still runs and waits for it, so no child outlives its test; children
/// still running when the test process exits are killed then.
/// </summary>
internal sealed class PassageProcess : IDisposable
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<PassageProcess, byte> Running = new();

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _error = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _command;

    static PassageProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (PassageProcess child in Running.Keys)
        {
            child.Dispose();
        }
    };

    private PassageProcess(string[] arguments)
    {
        _command = "passage " + string.Join(' ', arguments);
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            // Its own empty standard input: a child never reads the test runner's.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "passage.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) => Collect(_error, e.Data);
        _process.OutputDataReceived += (_, e) => Collect(_output, e.Data);
        _process.Start();
        Running.TryAdd(this, 0);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>The lab topology file the child's simulated host is built from.</summary>
    public static string Lab => Path.Combine(AppContext.BaseDirectory, "hosts", "lab.json");

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Lines the child wrote on standard error so far.</summary>
    public IReadOnlyCollection<string> Error => _error;

    /// <summary>Lines the child wrote on standard output so far.</summary>
    public IReadOnlyCollection<string> Output => _output;

    // The dotnet host that runs this test (dotnet test sets DOTNET_HOST_PATH), else the one on the PATH.
    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Starts <c>passage <paramref name="arguments"/></c>.</summary>
    public static PassageProcess Start(params string[] arguments) => new(arguments);

    /// <summary>Runs <c>passage <paramref name="arguments"/></c> to its end and returns its exit code and standard output.</summary>
    /// <exception cref="TimeoutException">It did not end within <paramref name="patience"/> (it is killed).</exception>
    public static (int Code, string Output, string Error) Run(TimeSpan patience, params string[] arguments)
    {
        using var child = new PassageProcess(arguments);
        if (!child._process.WaitForExit(patience))
        {
            throw new TimeoutException($"'{child._command}' did not finish within {patience.TotalSeconds} s");
        }

        // The parameterless wait also waits for the end of the redirected streams.
        child._process.WaitForExit();
        return (child._process.ExitCode, string.Join('\n', child._output), string.Join('\n', child._error));
    }

    /// <summary>Waits until the child has written a line containing <paramref name="text"/> on standard error and returns it.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="patience"/>, or the child exited without writing it.</exception>
    public string WaitForError(string text, TimeSpan patience)
    {
        DateTime deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (_error.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                // The parameterless wait also drains what the child wrote last.
                _process.WaitForExit();
                return _error.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))
                    ?? throw new TimeoutException($"'{_command}' exited ({_process.ExitCode}) without writing \"{text}\"; it wrote: {string.Join(" | ", _error)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{_command}' did not write \"{text}\" within {patience.TotalSeconds} s; it wrote: {string.Join(" | ", _error)}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>Kills the child with SIGKILL (a <c>kill -9</c>: it gets no chance to clean up) and waits until it is gone.</summary>
    public void KillHard()
    {
        _process.Kill();
        if (!_process.WaitForExit(ExitWait))
        {
            throw new TimeoutException($"'{_command}' survived SIGKILL for {ExitWait.TotalSeconds} s");
        }
    }

    /// <summary>Kills the child if it still runs (with anything it started) and waits for it.</summary>
    public void Dispose()
    {
        if (!Running.TryRemove(this, out _))
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(ExitWait);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to kill.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static void Collect(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }
}
