using System.Text;

namespace Passage.Store.Persistence;

/// <summary>
/// A node's child names as stored in one BLOB: each name in UTF-8 followed by a NUL byte, in
/// insertion order (the layout of a DIRECTORY reply). No name can hold a NUL, so every legal
/// name — and any other string without one — round-trips; no children is the empty BLOB.
/// </summary>
internal static class SqliteChildNames
{
    /// <summary>True when every name can be encoded (none contains a NUL).</summary>
    public static bool AreEncodable(IReadOnlyList<string> names)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] is null || names[i].Contains('\0', StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Encodes <paramref name="names"/> into a new array of exactly the needed length.</summary>
    public static byte[] Encode(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return [];
        }

        int length = 0;
        for (int i = 0; i < names.Count; i++)
        {
            length += Encoding.UTF8.GetByteCount(names[i]) + 1;
        }

        byte[] encoded = new byte[length];
        int offset = 0;
        for (int i = 0; i < names.Count; i++)
        {
            offset += Encoding.UTF8.GetBytes(names[i], encoded.AsSpan(offset));
            encoded[offset++] = 0;
        }

        return encoded;
    }

    /// <summary>Decodes names written by <see cref="Encode"/>; bytes after the last NUL (none are written) are ignored.</summary>
    public static string[] Decode(ReadOnlySpan<byte> encoded)
    {
        int count = encoded.Count((byte)0);
        if (count == 0)
        {
            return [];
        }

        string[] names = new string[count];
        for (int i = 0; i < count; i++)
        {
            int end = encoded.IndexOf((byte)0);
            names[i] = Encoding.UTF8.GetString(encoded[..end]);
            encoded = encoded[(end + 1)..];
        }

        return names;
    }
}
