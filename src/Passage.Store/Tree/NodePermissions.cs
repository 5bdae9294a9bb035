using System.Text;

namespace Passage.Store.Tree;

/// <summary>
/// A node's permission list (store.md §5), immutable: the first entry is the owner and its letter
/// is the default for domains not listed later.
/// </summary>
internal sealed class NodePermissions
{
    /// <summary>Highest domain id a permission entry may name (<c>domid_t</c> is 16 bits).</summary>
    public const int MaxDomainId = 0xFFFF;

    private readonly PermissionEntry[] _entries;
    private string? _text;

    private NodePermissions(PermissionEntry[] entries)
    {
        _entries = entries;
    }

    /// <summary><c>n0</c>: owned by dom0, nobody else may read or write.</summary>
    public static NodePermissions Dom0Only { get; } = new([new PermissionEntry(0, PermissionAccess.None)]);

    /// <summary>The owning domain.</summary>
    public int Owner => _entries[0].DomainId;

    /// <summary>Number of entries (the node size counts 8 bytes for each).</summary>
    public int Count => _entries.Length;

    /// <summary>The entries, owner first.</summary>
    public ReadOnlySpan<PermissionEntry> Entries => _entries;

    /// <summary>The persisted text form, entries joined by commas (<c>n0,r5</c>).</summary>
    public string Text => _text ??= BuildText();

    /// <summary>Bytes of the wire form: every entry NUL-terminated.</summary>
    public int WireLength
    {
        get
        {
            int length = 0;
            foreach (PermissionEntry entry in _entries)
            {
                length += 2 + DigitCount(entry.DomainId);
            }

            return length;
        }
    }

    /// <summary>Creates a list from entries, owner first; at least one.</summary>
    public static NodePermissions Create(params ReadOnlySpan<PermissionEntry> entries)
    {
        if (entries.IsEmpty)
        {
            throw new ArgumentException("A permission list needs an owner.", nameof(entries));
        }

        return new NodePermissions(entries.ToArray());
    }

    /// <summary>
    /// Parses the wire form, NUL-terminated entries; false for no entry or a malformed one (a bad
    /// letter, a missing or non-decimal domain id, a domain id above <see cref="MaxDomainId"/>).
    /// </summary>
    public static bool TryParseWire(ReadOnlySpan<byte> strings, out NodePermissions? permissions)
    {
        permissions = null;
        int count = strings.Count((byte)0);
        if (count == 0 || strings[^1] != 0)
        {
            return false;
        }

        var entries = new PermissionEntry[count];
        for (int i = 0; i < count; i++)
        {
            int end = strings.IndexOf((byte)0);
            if (!TryParseEntry(strings[..end], out entries[i]))
            {
                return false;
            }

            strings = strings[(end + 1)..];
        }

        permissions = new NodePermissions(entries);
        return true;
    }

    /// <summary>Parses the persisted text form (<c>n0,r5</c>); throws on a malformed list, which only a damaged database holds.</summary>
    public static NodePermissions ParseText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',');
        var entries = new PermissionEntry[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!TryParseEntry(Encoding.ASCII.GetBytes(parts[i]), out entries[i]))
            {
                throw new FormatException($"Malformed permission list '{text}'.");
            }
        }

        return new NodePermissions(entries);
    }

    /// <summary>
    /// What <paramref name="domainId"/> (acting also for <paramref name="targetId"/>, -1 for none)
    /// may do: the owner or its stub domain everything, else the first later entry naming either,
    /// else the owner's letter. Privileged callers are decided before this.
    /// </summary>
    public PermissionAccess AccessFor(int domainId, int targetId)
    {
        int owner = _entries[0].DomainId;
        if (owner == domainId || owner == targetId)
        {
            return PermissionAccess.Both;
        }

        for (int i = 1; i < _entries.Length; i++)
        {
            if (_entries[i].DomainId == domainId || _entries[i].DomainId == targetId)
            {
                return _entries[i].Access;
            }
        }

        return _entries[0].Access;
    }

    /// <summary>True when <paramref name="domainId"/> (or its target) is the owner.</summary>
    public bool IsOwner(int domainId, int targetId) => Owner == domainId || Owner == targetId;

    /// <summary>The same list with the owner's domain replaced (an unprivileged creator takes ownership, keeping the letter).</summary>
    public NodePermissions WithOwner(int domainId)
    {
        if (Owner == domainId)
        {
            return this;
        }

        var entries = (PermissionEntry[])_entries.Clone();
        entries[0] = entries[0] with { DomainId = domainId };
        return new NodePermissions(entries);
    }

    /// <summary>Writes the wire form (every entry NUL-terminated); the span holds <see cref="WireLength"/> bytes.</summary>
    public void WriteWire(Span<byte> destination)
    {
        int at = 0;
        foreach (PermissionEntry entry in _entries)
        {
            destination[at++] = (byte)entry.Letter;
            entry.DomainId.TryFormat(destination[at..], out int written);
            at += written;
            destination[at++] = 0;
        }
    }

    /// <summary>True when both lists hold the same entries in the same order.</summary>
    public bool SameAs(NodePermissions other) => ReferenceEquals(this, other) || _entries.AsSpan().SequenceEqual(other._entries);

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static bool TryParseEntry(ReadOnlySpan<byte> entry, out PermissionEntry parsed)
    {
        parsed = default;
        if (entry.Length < 2 || entry.Length > 6 || !PermissionEntry.TryParseLetter(entry[0], out PermissionAccess access))
        {
            return false;
        }

        int domainId = 0;
        foreach (byte digit in entry[1..])
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            domainId = (domainId * 10) + (digit - '0');
        }

        if (domainId > MaxDomainId)
        {
            return false;
        }

        parsed = new PermissionEntry(domainId, access);
        return true;
    }

    private static int DigitCount(int value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private string BuildText()
    {
        var builder = new StringBuilder(_entries.Length * 4);
        for (int i = 0; i < _entries.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(_entries[i].Letter).Append(_entries[i].DomainId);
        }

        return builder.ToString();
    }
}
