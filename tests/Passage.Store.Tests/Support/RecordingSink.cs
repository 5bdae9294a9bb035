using System.Text;

namespace Passage.Store.Tests.Support;

/// <summary>Records the watch events delivered to a connection, as <c>path|token</c> strings.</summary>
internal sealed class RecordingSink : IWatchEventSink
{
    public List<string> Events { get; } = [];

    public void Deliver(ReadOnlySpan<byte> path, ReadOnlySpan<byte> token) =>
        Events.Add(Encoding.ASCII.GetString(path) + "|" + Encoding.ASCII.GetString(token));

    /// <summary>The events so far, then forgets them.</summary>
    public List<string> Take()
    {
        List<string> taken = [.. Events];
        Events.Clear();
        return taken;
    }
}
