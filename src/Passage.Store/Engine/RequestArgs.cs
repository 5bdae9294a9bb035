namespace Passage.Store.Engine;

/// <summary>Parses the numeric arguments of a request (store.md §1); <see cref="Protocol.XsPayload"/> splits the payload into them.</summary>
internal static class RequestArgs
{
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
