using System.Globalization;
using System.Text;

namespace Passage.Cli.Store;

/// <summary>A node value as printable text: printable ASCII as is, a backslash doubled, every other byte <c>\xNN</c> (as xenstore-ls shows values).</summary>
internal static class StoreValueText
{
    public static string Escape(ReadOnlySpan<byte> value)
    {
        var text = new StringBuilder(value.Length);
        foreach (byte b in value)
        {
            if (b == (byte)'\\')
            {
                text.Append(@"\\");
            }
            else if (b is >= 0x20 and < 0x7F)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        return text.ToString();
    }
}
