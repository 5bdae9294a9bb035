namespace Passage.Pci.Capabilities;

/// <summary>One decoded value of a capability: a number, a flag or a short text.</summary>
/// <param name="Name">camelCase field name, stable for scripts.</param>
/// <param name="Value">A <see cref="long"/>, <see cref="ulong"/>, <see cref="bool"/> or <see cref="string"/>.</param>
public readonly record struct DecodedField(string Name, object Value);

/// <summary>Builds an ordered list of decoded fields.</summary>
public sealed class FieldList
{
    private readonly List<DecodedField> _fields = [];

    /// <summary>The fields added so far.</summary>
    public IReadOnlyList<DecodedField> Fields => _fields;

    /// <summary>Adds a number.</summary>
    public FieldList Add(string name, long value)
    {
        _fields.Add(new DecodedField(name, value));
        return this;
    }

    /// <summary>Adds an unsigned 64-bit number (addresses, serial numbers).</summary>
    public FieldList Add(string name, ulong value)
    {
        _fields.Add(new DecodedField(name, value));
        return this;
    }

    /// <summary>Adds a flag.</summary>
    public FieldList Add(string name, bool value)
    {
        _fields.Add(new DecodedField(name, value));
        return this;
    }

    /// <summary>Adds a short text.</summary>
    public FieldList Add(string name, string value)
    {
        _fields.Add(new DecodedField(name, value));
        return this;
    }
}
