namespace Passage.Store.Tree;

/// <summary>Path rules of store.md §4: validation, resolution of relative paths, and the parent/child arithmetic.</summary>
internal static class StorePath
{
    /// <summary>The watch name fired by INTRODUCE.</summary>
    public const string IntroduceDomain = "@introduceDomain";

    /// <summary>The watch name fired by RELEASE.</summary>
    public const string ReleaseDomain = "@releaseDomain";

    /// <summary>Prefix of every domain's home path.</summary>
    public const string DomainRoot = "/local/domain/";

    /// <summary>Room a resolved path may need: the longest relative prefix plus a whole payload.</summary>
    public const int MaxResolvedLength = 32 + 4096;

    /// <summary>
    /// Validates <paramref name="raw"/> (without its NUL) and writes the absolute path into
    /// <paramref name="destination"/> (at least <see cref="MaxResolvedLength"/> chars): characters
    /// <c>[A-Za-z0-9-/_@]</c>, no <c>//</c>, no trailing <c>/</c> but on <c>/</c>, not empty, and the
    /// path-length quota after dropping a leading <c>/local/domain/&lt;n&gt;/</c>.
    /// </summary>
    public static StoreError Resolve(ReadOnlySpan<byte> raw, int domainId, int pathLengthQuota, Span<char> destination, out int length, out PathKind kind)
    {
        length = 0;
        kind = PathKind.Absolute;
        if (raw.IsEmpty || raw.Length > Protocol.XsHeader.MaxPayload)
        {
            return StoreError.EINVAL;
        }

        if (raw[0] == (byte)'@')
        {
            kind = PathKind.Special;
            if (!IsSpecialName(raw))
            {
                return StoreError.EINVAL;
            }

            for (int i = 0; i < raw.Length; i++)
            {
                destination[i] = (char)raw[i];
            }

            length = raw.Length;
            return StoreError.None;
        }

        int at = 0;
        if (raw[0] != (byte)'/')
        {
            kind = PathKind.Relative;
            DomainRoot.CopyTo(destination);
            at = DomainRoot.Length;
            domainId.TryFormat(destination[at..], out int written);
            at += written;
            destination[at++] = '/';
        }

        byte previous = at > 0 ? (byte)'/' : (byte)0;
        foreach (byte c in raw)
        {
            if (!IsPathChar(c) || (c == (byte)'/' && previous == (byte)'/'))
            {
                return StoreError.EINVAL;
            }

            destination[at++] = (char)c;
            previous = c;
        }

        if (at > 1 && destination[at - 1] == '/')
        {
            return StoreError.EINVAL;
        }

        if (QuotaLength(destination[..at]) > pathLengthQuota)
        {
            return StoreError.EINVAL;
        }

        length = at;
        return StoreError.None;
    }

    /// <summary>The length the path-length quota counts: what follows a leading <c>/local/domain/&lt;n&gt;/</c>, else the whole path.</summary>
    public static int QuotaLength(ReadOnlySpan<char> path)
    {
        if (path.StartsWith(DomainRoot))
        {
            ReadOnlySpan<char> rest = path[DomainRoot.Length..];
            int digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits > 0 && digits < rest.Length && rest[digits] == '/')
            {
                return rest.Length - digits - 1;
            }
        }

        return path.Length;
    }

    /// <summary>True for the characters a path may hold.</summary>
    public static bool IsPathChar(byte c) =>
        c is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'/' or (byte)'_' or (byte)'@';

    /// <summary>The parent of an absolute path other than <c>/</c>.</summary>
    public static ReadOnlySpan<char> Parent(ReadOnlySpan<char> path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The parent of an absolute path other than <c>/</c>, as a string.</summary>
    public static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The last component of an absolute path other than <c>/</c>.</summary>
    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>The path of child <paramref name="name"/> of <paramref name="parent"/>.</summary>
    public static string Child(string parent, string name) => parent.Length == 1 ? "/" + name : parent + "/" + name;

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsAtOrBelow(ReadOnlySpan<char> path, ReadOnlySpan<char> ancestor)
    {
        if (ancestor.Length == 1)
        {
            return path.Length > 0 && path[0] == '/';
        }

        return path.StartsWith(ancestor, StringComparison.Ordinal) && (path.Length == ancestor.Length || path[ancestor.Length] == '/');
    }

    /// <summary>How many levels <paramref name="path"/> lies below <paramref name="ancestor"/> (0 for the same path).</summary>
    public static int Depth(ReadOnlySpan<char> path, ReadOnlySpan<char> ancestor)
    {
        if (ancestor.Length == 1)
        {
            return path.Length == 1 ? 0 : path.Count('/');
        }

        return path[ancestor.Length..].Count('/');
    }

    /// <summary>The home path of a domain.</summary>
    public static string Home(int domainId) => DomainRoot + domainId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsSpecialName(ReadOnlySpan<byte> raw)
    {
        if (raw.SequenceEqual("@introduceDomain"u8) || raw.SequenceEqual("@releaseDomain"u8))
        {
            return true;
        }

        ReadOnlySpan<byte> prefix = "@releaseDomain/"u8;
        if (!raw.StartsWith(prefix) || raw.Length == prefix.Length || raw.Length > prefix.Length + 5)
        {
            return false;
        }

        foreach (byte c in raw[prefix.Length..])
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }
}
