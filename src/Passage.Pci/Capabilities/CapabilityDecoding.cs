namespace Passage.Pci.Capabilities;

/// <summary>
/// The decoded contents of one capability: its fields for scripts and its lines for people
/// (in the manner of <c>lspci -vv</c>).
/// </summary>
public abstract class CapabilityDecoding
{
    /// <summary>Offset of the capability in config space.</summary>
    public required int Offset { get; init; }

    /// <summary>Bytes the structure occupies, from its first byte.</summary>
    public abstract int Length { get; }

    /// <summary>Text after the capability's offset on its first line, e.g. <c>MSI-X: Enable+ Count=5 Masked-</c>.</summary>
    public abstract string Title { get; }

    /// <summary>Further lines describing the contents (without indentation).</summary>
    public abstract IReadOnlyList<string> Details { get; }

    /// <summary>The decoded values, in a stable order.</summary>
    public abstract IReadOnlyList<DecodedField> Fields { get; }

    /// <summary>"+" or "-" for a flag, as lspci prints them.</summary>
    protected static string F(bool value) => value ? "+" : "-";

    /// <summary>Whether <paramref name="mask"/> is set in <paramref name="value"/>.</summary>
    protected static bool Bit(uint value, uint mask) => (value & mask) != 0;
}
