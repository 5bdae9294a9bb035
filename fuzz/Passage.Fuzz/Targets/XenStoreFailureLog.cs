using Microsoft.Extensions.Logging;

namespace Passage.Fuzz.Targets;

/// <summary>
/// The engine's logger under <see cref="XenStoreTarget"/>: the engine turns an exception inside a
/// request into an EIO reply and logs it at error level, and logs a failed tree check the same way,
/// so anything logged at error level or above is a finding, reported with the request behind it.
/// </summary>
internal sealed class XenStoreFailureLog : ILogger
{
    private readonly List<(string Message, Exception? Exception)> _failures = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error)
        {
            _failures.Add((formatter(state, exception), exception));
        }
    }

    /// <summary>True once anything was logged at error level.</summary>
    public bool Logged => _failures.Count > 0;

    /// <summary>Throws the failures logged, naming the step (<paramref name="during"/>) that logged them.</summary>
    public void ThrowIfAny(string during)
    {
        if (_failures.Count > 0)
        {
            Exception? exception = _failures[0].Exception;
            string what = $"{during} logged: {string.Join("; ", _failures.Select(f => f.Message))}";
            throw exception is null ? new FuzzCheckException(what) : new FuzzCheckException(what, exception);
        }
    }
}
