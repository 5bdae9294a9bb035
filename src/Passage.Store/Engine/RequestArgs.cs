namespace Passage.Store.Engine;

/// <summary>Splits a request payload into its NUL-terminated arguments and parses the numeric ones (store.md §1).</summary>
internal static class RequestArgs
{
    /// <summary>Takes the next NUL-terminated string off <paramref name="rest"/>; false when no NUL is left.</summary>
    public static bool TryNext(scoped ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> value)
    {
        int nul = rest.IndexOf((byte)0);
        if (nul < 0)
        {
            value = default;
            return false;
        }

        value = rest[..nul];
        rest = rest[(nul + 1)..];
        return true;
    }

    /// <summary>How many NUL-terminated strings the payload holds (xenstored's <c>xs_count_strings</c>).</summary>
    public static int Count(ReadOnlySpan<byte> payload) => payload.Count((byte)0);

    /// <summary>Parses a plain decimal number (no sign, no spaces, at most 19 digits).</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 19)
        {
            return false;
        }

        foreach (byte digit in text)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (ulong)(digit - '0');
        }

        return true;
    }

    /// <summary>Parses a domain id: a decimal number up to 65535.</summary>
    public static bool TryParseDomainId(ReadOnlySpan<byte> text, out int domainId)
    {
        domainId = 0;
        if (!TryParseNumber(text, out ulong value) || value > 0xFFFF)
        {
            return false;
        }

        domainId = (int)value;
        return true;
    }
}
