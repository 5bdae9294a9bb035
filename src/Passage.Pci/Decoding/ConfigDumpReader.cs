using System.Globalization;
using System.Text;

namespace Passage.Pci.Decoding;

/// <summary>
/// Reads configuration-space dumps: raw binary captures (64, 256 or 4096 bytes, as sysfs
/// <c>config</c> files hold them) and the hex text printed by <c>lspci -x</c>, <c>-xxx</c> and
/// <c>-xxxx</c>, one or more devices per file. Works on a buffer; the caller reads the file.
/// </summary>
public static class ConfigDumpReader
{
    private const int BytesPerLine = 16;
    private const int MaxQuotedChars = 40;
    private const string AcceptedSizes = "64, 256 or 4096 bytes";
    private const string HexLineExample = "'00: f4 1a 41 10 ...' (an offset and 16 hex bytes)";
    private const string HeaderExample = "'00:03.0 Ethernet controller: ...'";

    private enum LineKind
    {
        Blank,
        Header,
        Hex,
        Other,
    }

    /// <summary>Reads the dumps in <paramref name="content"/>, binary or lspci hex text.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    /// <exception cref="ConfigDumpException">The content is neither a binary capture nor well-formed hex text.</exception>
    public static IReadOnlyList<ConfigDump> Read(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Read(content.AsSpan());
    }

    /// <summary>Reads the dumps in <paramref name="content"/>, binary or lspci hex text.</summary>
    /// <remarks>
    /// Content is text when it is printable ASCII and whitespace and its first non-blank line is
    /// a device header or a hex line. Content of a binary size (64, 256 or 4096 bytes) is taken
    /// as text only when it also parses as text, so a capture whose bytes happen to be printable
    /// is still read as binary.
    /// </remarks>
    /// <exception cref="ConfigDumpException">The content is neither a binary capture nor well-formed hex text.</exception>
    public static IReadOnlyList<ConfigDump> Read(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty)
        {
            throw new ConfigDumpException(1, $"the input is empty; expected a binary config space of {AcceptedSizes} or lspci hex text");
        }

        bool binarySize = IsDumpSize(content.Length);
        string? text = IsPrintableText(content) ? Encoding.ASCII.GetString(content) : null;
        LineKind firstKind = LineKind.Blank;
        int firstLine = text is null ? 0 : FirstNonBlankLine(text, out firstKind);
        if (text is not null && firstKind is LineKind.Header or LineKind.Hex)
        {
            List<ConfigDump> dumps = [];
            ConfigDumpException? error = ParseText(text, dumps);
            if (error is null)
            {
                return dumps;
            }

            if (!binarySize)
            {
                throw error;
            }
        }

        if (binarySize)
        {
            return [new ConfigDump(null, null, new ConfigSpace(content))];
        }

        if (text is not null)
        {
            // Printable input of no binary size: a text error helps more than a length error.
            throw firstLine == 0
                ? new ConfigDumpException(1, $"the input has only blank lines; expected a binary config space of {AcceptedSizes} or lspci hex text")
                : new ConfigDumpException(firstLine, $"expected a device header such as {HeaderExample} or a hex line such as {HexLineExample}, found '{Quote(LineAt(text, firstLine))}'");
        }

        throw new ConfigDumpException($"binary config space has {content.Length} bytes; expected {AcceptedSizes}");
    }

    private static bool IsDumpSize(int length) =>
        length is ConfigOffsets.HeaderSize or ConfigOffsets.ConventionalSize or ConfigOffsets.ExtendedSize;

    private static bool IsPrintableText(ReadOnlySpan<byte> content)
    {
        foreach (byte b in content)
        {
            // Printable ASCII, or tab, line feed, vertical tab, form feed, carriage return.
            if (b is not ((>= 0x20 and <= 0x7E) or (>= 0x09 and <= 0x0D)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the 1-based number of the first non-blank line and its kind, or 0 when all lines are blank.</summary>
    private static int FirstNonBlankLine(string text, out LineKind kind)
    {
        int number = 0;
        foreach (Range range in Lines(text))
        {
            number++;
            kind = Classify(text.AsSpan()[range].Trim(), out _);
            if (kind != LineKind.Blank)
            {
                return number;
            }
        }

        kind = LineKind.Blank;
        return 0;
    }

    private static string LineAt(string text, int lineNumber)
    {
        int number = 0;
        foreach (Range range in Lines(text))
        {
            if (++number == lineNumber)
            {
                return text[range].Trim();
            }
        }

        return string.Empty;
    }

    /// <summary>Splits on '\n' only, so line numbers match what editors show; '\r' is trimmed with other blanks.</summary>
    private static IEnumerable<Range> Lines(string text)
    {
        int start = 0;
        while (start <= text.Length)
        {
            int newline = text.IndexOf('\n', start);
            int end = newline < 0 ? text.Length : newline;
            yield return new Range(start, end);
            start = end + 1;
        }
    }

    private static LineKind Classify(ReadOnlySpan<char> line, out PciAddress address)
    {
        address = default;
        if (line.IsEmpty)
        {
            return LineKind.Blank;
        }

        ReadOnlySpan<char> token = FirstToken(line);
        if (IsOffsetToken(token, out _))
        {
            return LineKind.Hex;
        }

        return PciAddress.TryParse(token.ToString(), out address) ? LineKind.Header : LineKind.Other;
    }

    private static ReadOnlySpan<char> FirstToken(ReadOnlySpan<char> line)
    {
        int blank = line.IndexOfAny(' ', '\t');
        return blank < 0 ? line : line[..blank];
    }

    /// <summary>An offset token is 2 or 3 hex digits and a colon, as lspci prints them.</summary>
    private static bool IsOffsetToken(ReadOnlySpan<char> token, out int offset)
    {
        offset = 0;
        return token.Length is 3 or 4 && token[^1] == ':' &&
               int.TryParse(token[..^1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out offset);
    }

    /// <summary>Parses hex text into <paramref name="dumps"/>; returns the first error instead of throwing so binary can be tried.</summary>
    private static ConfigDumpException? ParseText(string text, List<ConfigDump> dumps)
    {
        byte[] buffer = new byte[ConfigOffsets.ExtendedSize];
        bool open = false;
        PciAddress? address = null;
        string? title = null;
        int startLine = 0;
        int lastHexLine = 0;
        int length = 0;
        int number = 0;

        foreach (Range range in Lines(text))
        {
            number++;
            ReadOnlySpan<char> line = text.AsSpan()[range].Trim();
            switch (Classify(line, out PciAddress headerAddress))
            {
                case LineKind.Blank:
                    if (open)
                    {
                        ConfigDumpException? closeError = Close();
                        if (closeError is not null)
                        {
                            return closeError;
                        }
                    }

                    break;

                case LineKind.Header:
                    if (open)
                    {
                        // lspci separates devices by a blank line; a header right after hex lines is still unambiguous.
                        ConfigDumpException? closeError = Close();
                        if (closeError is not null)
                        {
                            return closeError;
                        }
                    }

                    open = true;
                    address = headerAddress;
                    ReadOnlySpan<char> rest = line[FirstToken(line).Length..].Trim();
                    title = rest.IsEmpty ? null : rest.ToString();
                    startLine = number;
                    length = 0;
                    break;

                case LineKind.Hex:
                    if (!open)
                    {
                        open = true;
                        address = null;
                        title = null;
                        startLine = number;
                        length = 0;
                    }

                    ConfigDumpException? lineError = ParseHexLine(line, number, buffer, length);
                    if (lineError is not null)
                    {
                        return lineError;
                    }

                    length += BytesPerLine;
                    lastHexLine = number;
                    break;

                default:
                    return new ConfigDumpException(number, $"expected a device header such as {HeaderExample}, a hex line such as {HexLineExample} or a blank line, found '{Quote(line.ToString())}'");
            }
        }

        if (open)
        {
            ConfigDumpException? closeError = Close();
            if (closeError is not null)
            {
                return closeError;
            }
        }

        return dumps.Count > 0
            ? null
            : new ConfigDumpException(number, "no config-space dump found");

        ConfigDumpException? Close()
        {
            open = false;
            string which = address is { } a ? $"dump of {a}" : "dump";
            if (length == 0)
            {
                return new ConfigDumpException(startLine, $"device header has no hex lines; expected {HexLineExample} on the next line");
            }

            if (!IsDumpSize(length))
            {
                return new ConfigDumpException(lastHexLine, $"{which} starting at line {startLine} ends after {length} bytes (offsets 00-{length - 1:x2}); expected {AcceptedSizes}");
            }

            dumps.Add(new ConfigDump(address, title, new ConfigSpace(buffer.AsSpan(0, length))));
            return null;
        }
    }

    /// <summary>Checks the offset continues the device and stores the line's 16 bytes at <paramref name="length"/>.</summary>
    private static ConfigDumpException? ParseHexLine(ReadOnlySpan<char> line, int number, byte[] buffer, int length)
    {
        ReadOnlySpan<char> offsetToken = FirstToken(line);
        _ = IsOffsetToken(offsetToken, out int offset); // Classify accepted the token, so it parses
        if (length >= ConfigOffsets.ExtendedSize)
        {
            return new ConfigDumpException(number, $"hex line at offset {offset:x2} goes beyond 4096 bytes; a device dump ends at offset ff0");
        }

        if (offset != length)
        {
            return length == 0
                ? new ConfigDumpException(number, $"offsets must start at 00, found {offset:x2}")
                : new ConfigDumpException(number, $"expected offset {length:x2} after the previous line, found {offset:x2}");
        }

        int count = 0;
        string? badToken = null;
        ReadOnlySpan<char> rest = line[offsetToken.Length..];
        while (true)
        {
            rest = rest.TrimStart();
            if (rest.IsEmpty)
            {
                break;
            }

            ReadOnlySpan<char> token = FirstToken(rest);
            rest = rest[token.Length..];
            if (count < BytesPerLine)
            {
                if (token.Length == 2 && byte.TryParse(token, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value))
                {
                    buffer[length + count] = value;
                }
                else
                {
                    badToken ??= $"byte {count + 1} '{Quote(token.ToString())}' is not two hex digits";
                }
            }

            count++;
        }

        if (count != BytesPerLine)
        {
            return new ConfigDumpException(number, $"expected {BytesPerLine} hex bytes after offset {offset:x2}, found {count}");
        }

        return badToken is null ? null : new ConfigDumpException(number, badToken);
    }

    private static string Quote(string text) =>
        text.Length <= MaxQuotedChars ? text : string.Concat(text.AsSpan(0, MaxQuotedChars), "...");
}
