using Microsoft.Extensions.Logging;

namespace Passage.Cli.Store;

/// <summary>Writes the store server's log lines (information and above) to stderr as <c>passage: message</c>.</summary>
internal sealed class StoreLoggerProvider(TextWriter error) : ILoggerProvider
{
    private readonly TextWriter _error = TextWriter.Synchronized(error);

    public ILogger CreateLogger(string categoryName) => new LineLogger(_error);

    public void Dispose()
    {
    }

    private sealed class LineLogger(TextWriter error) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                error.WriteLine($"passage: {formatter(state, exception)}");
            }
        }
    }
}
