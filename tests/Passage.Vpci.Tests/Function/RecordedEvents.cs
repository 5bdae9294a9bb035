using System.Globalization;

namespace Passage.Vpci.Tests.Function;

/// <summary>Reads the ordered event lines a recording host device keeps ("config-write 0x4 2 0x6", "setirqs 0 0 1 0x24", …).</summary>
internal static class RecordedEvents
{
    /// <summary>Values written to host config offset <paramref name="offset"/>, in order.</summary>
    public static List<ulong> ConfigWritesAt(IEnumerable<string> events, int offset)
    {
        string prefix = $"config-write 0x{offset:x} ";
        return [.. events.Where(e => e.StartsWith(prefix, StringComparison.Ordinal)).Select(e => ParseHex(e[(e.LastIndexOf(' ') + 1)..]))];
    }

    /// <summary>Every host config write in order.</summary>
    public static List<string> ConfigWrites(IEnumerable<string> events) => [.. events.Where(e => e.StartsWith("config-write ", StringComparison.Ordinal))];

    /// <summary>Index of the first event equal to <paramref name="line"/>, or −1.</summary>
    public static int IndexOf(IReadOnlyList<string> events, string line)
    {
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i] == line)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Index of the first event at or after <paramref name="from"/> starting with <paramref name="prefix"/>, or −1.</summary>
    public static int IndexOfPrefix(IReadOnlyList<string> events, string prefix, int from = 0)
    {
        for (int i = from; i < events.Count; i++)
        {
            if (events[i].StartsWith(prefix, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static ulong ParseHex(string text) => ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
