using System.Text;
using System.Threading.Channels;

namespace Passage.Vpci.Qtest;

/// <summary>
/// A text writer that turns each line into an item of a bounded channel, so a session (and the
/// router thread reporting MSI lines) never blocks on a slow peer; a full channel calls
/// <c>overflow</c> and drops the line.
/// </summary>
internal sealed class LineChannelWriter(ChannelWriter<string> lines, Action overflow) : TextWriter
{
    private readonly StringBuilder _partial = new();

    /// <inheritdoc />
    public override Encoding Encoding => Encoding.UTF8;

    /// <inheritdoc />
    public override void Write(char value)
    {
        if (value == '\n')
        {
            Emit(_partial.ToString());
            _partial.Clear();
        }
        else if (value != '\r')
        {
            _partial.Append(value);
        }
    }

    /// <inheritdoc />
    public override void WriteLine(string? value)
    {
        if (_partial.Length == 0 && value is not null && !value.Contains('\n', StringComparison.Ordinal))
        {
            Emit(value);
            return;
        }

        base.WriteLine(value);
    }

    private void Emit(string line)
    {
        if (!lines.TryWrite(line))
        {
            overflow();
        }
    }
}
