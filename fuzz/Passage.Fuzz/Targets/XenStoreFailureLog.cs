using Microsoft.Extensions.Logging;
using Passage.Store.Protocol;

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

    /// <summary>Throws the first failure logged, naming request <paramref name="index"/> of type <paramref name="type"/>.</summary>
    public void ThrowIfAny(int index, XsMessageType type)
    {
        if (_failures.Count > 0)
        {
            (string message, Exception? exception) = _failures[0];
            string what = $"request {index} ({type}) logged a failure: {message}";
            throw exception is null ? new FuzzCheckException(what) : new FuzzCheckException(what, exception);
        }
    }
}
