using System.Globalization;

namespace Passage.Vpci.Qtest;

/// <summary>
/// Parses the qtest-style protocol (issue "Guest-facing virtual PCI function", item 6): numbers in
/// hex with <c>0x</c> or decimal, one command per line. A bad line yields a reason for an
/// <c>ERR</c> answer, never an exception.
/// </summary>
public static class QtestParser
{
    /// <summary>Largest byte count of <c>read</c>/<c>write</c>: one 4 KiB page.</summary>
    public const int MaxBytes = 4096;

    /// <summary>Parses one line; false with a one-line <paramref name="error"/> when it is not a command.</summary>
    public static bool TryParse(string line, out QtestCommand? command, out string error)
    {
        command = null;
        string[] words = (line ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            error = "empty line";
            return false;
        }

        string verb = words[0];
        error = string.Empty;
        switch (verb)
        {
            case "readb" or "readw" or "readl" or "readq":
                if (!Args(words, 2, out error) || !Number(words[1], "address", out ulong address, out error))
                {
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.Read, address, Width(verb[^1]));
                return true;
            case "writeb" or "writew" or "writel" or "writeq":
                if (!Args(words, 3, out error) || !Number(words[1], "address", out address, out error) || !Number(words[2], "value", out ulong value, out error))
                {
                    return false;
                }

                int width = Width(verb[^1]);
                if (width < 8 && value >> (8 * width) != 0)
                {
                    error = $"value {words[2]} does not fit in {width} bytes";
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.Write, address, width, value);
                return true;
            case "read":
                if (!Args(words, 3, out error) || !Number(words[1], "address", out address, out error) || !Count(words[2], out int count, out error))
                {
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.ReadBytes, address, count);
                return true;
            case "write":
                if (!Args(words, 4, out error) || !Number(words[1], "address", out address, out error) || !Count(words[2], out count, out error))
                {
                    return false;
                }

                if (!HexBytes(words[3], out byte[]? bytes) || bytes.Length != count)
                {
                    error = $"'{words[3]}' is not 0x followed by {count} bytes of hex";
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.WriteBytes, address, count, 0, bytes);
                return true;
            case "inb" or "inw" or "inl":
                if (!Args(words, 2, out error) || !Port(words[1], out ulong port, out error))
                {
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.In, port, Width(verb[^1]));
                return true;
            case "outb" or "outw" or "outl":
                if (!Args(words, 3, out error) || !Port(words[1], out port, out error) || !Number(words[2], "value", out value, out error))
                {
                    return false;
                }

                width = Width(verb[^1]);
                if (value >> (8 * width) != 0)
                {
                    error = $"value {words[2]} does not fit in {width} bytes";
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.Out, port, width, value);
                return true;
            case "clock_step":
                if (!Args(words, 2, out error) || !Number(words[1], "nanoseconds", out ulong ns, out error))
                {
                    return false;
                }

                command = new QtestCommand(QtestCommandKind.ClockStep, ns, 0);
                return true;
            default:
                error = $"unknown command '{verb}'";
                return false;
        }
    }

    /// <summary>Parses a number: <c>0x</c> hex or decimal.</summary>
    public static bool TryNumber(string text, out ulong value)
    {
        value = 0;
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? text.Length > 2 && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static int Width(char suffix) => suffix switch { 'b' => 1, 'w' => 2, 'l' => 4, _ => 8 };

    private static bool Args(string[] words, int expected, out string error)
    {
        error = words.Length == expected ? string.Empty : $"'{words[0]}' takes {expected - 1} argument{(expected == 2 ? string.Empty : "s")}, got {words.Length - 1}";
        return error.Length == 0;
    }

    private static bool Number(string text, string what, out ulong value, out string error)
    {
        bool ok = TryNumber(text, out value);
        error = ok ? string.Empty : $"{what} '{text}' is not a number (hex with 0x, or decimal)";
        return ok;
    }

    private static bool Port(string text, out ulong port, out string error)
    {
        if (!Number(text, "port", out port, out error))
        {
            return false;
        }

        error = port <= 0xFFFF ? string.Empty : $"port {text} is beyond 0xffff";
        return error.Length == 0;
    }

    private static bool Count(string text, out int count, out string error)
    {
        count = 0;
        if (!Number(text, "size", out ulong value, out error))
        {
            return false;
        }

        if (value is 0 or > MaxBytes)
        {
            error = $"size {text} must be 1–{MaxBytes}";
            return false;
        }

        count = (int)value;
        return true;
    }

    private static bool HexBytes(string text, out byte[] bytes)
    {
        bytes = [];
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || (text.Length - 2) % 2 != 0 || text.Length == 2)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(text.AsSpan(2));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
