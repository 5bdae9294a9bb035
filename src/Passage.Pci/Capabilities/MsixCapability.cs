namespace Passage.Pci.Capabilities;

/// <summary>MSI-X capability (ID 0x11, pci.md §8).</summary>
public sealed class MsixCapability : CapabilityDecoding
{
    /// <summary>Offset of Message Control.</summary>
    public const int ControlOffset = 2;

    /// <summary>Offset of Table Offset / Table BIR.</summary>
    public const int TableOffset = 4;

    /// <summary>Offset of PBA Offset / PBA BIR.</summary>
    public const int PbaOffset = 8;

    /// <summary>Message Control: Table Size (N − 1).</summary>
    public const ushort TableSizeMask = 0x07FF;

    /// <summary>Message Control: Function Mask.</summary>
    public const ushort FunctionMask = 0x4000;

    /// <summary>Message Control: MSI-X Enable.</summary>
    public const ushort Enable = 0x8000;

    /// <summary>BIR field of the table and PBA registers.</summary>
    public const uint BirMask = 0x7;

    /// <summary>Bytes per table entry.</summary>
    public const int EntrySize = 16;

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static MsixCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        Control = config.Read16(offset + ControlOffset),
        TableRegister = config.Read32(offset + TableOffset),
        PbaRegister = config.Read32(offset + PbaOffset),
    };

    /// <summary>Raw Message Control.</summary>
    public ushort Control { get; private init; }

    /// <summary>Raw Table Offset/BIR register.</summary>
    public uint TableRegister { get; private init; }

    /// <summary>Raw PBA Offset/BIR register.</summary>
    public uint PbaRegister { get; private init; }

    /// <summary>Number of table entries (1–2048).</summary>
    public int TableSize => (Control & TableSizeMask) + 1;

    /// <summary>MSI-X Enable.</summary>
    public bool Enabled => (Control & Enable) != 0;

    /// <summary>Function Mask.</summary>
    public bool FunctionMasked => (Control & FunctionMask) != 0;

    /// <summary>BAR indicator of the table (6 and 7 are reserved).</summary>
    public int TableBir => (int)(TableRegister & BirMask);

    /// <summary>Offset of the table within its BAR.</summary>
    public uint TableBarOffset => TableRegister & ~BirMask;

    /// <summary>BAR indicator of the PBA.</summary>
    public int PbaBir => (int)(PbaRegister & BirMask);

    /// <summary>Offset of the PBA within its BAR.</summary>
    public uint PbaBarOffset => PbaRegister & ~BirMask;

    /// <summary>Bytes of the table: 16 per entry.</summary>
    public int TableBytes => TableSize * EntrySize;

    /// <summary>Bytes of the PBA: one QWORD per 64 vectors.</summary>
    public int PbaBytes => ((TableSize + 63) / 64) * 8;

    /// <inheritdoc />
    public override int Length => 12;

    /// <inheritdoc />
    public override string Title => $"MSI-X: Enable{F(Enabled)} Count={TableSize} Masked{F(FunctionMasked)}";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
    [
        $"Vector table: BAR={TableBir} offset={TableBarOffset:x8}",
        $"PBA: BAR={PbaBir} offset={PbaBarOffset:x8}",
    ];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("tableSize", TableSize)
        .Add("enabled", Enabled)
        .Add("functionMask", FunctionMasked)
        .Add("tableBir", TableBir)
        .Add("tableOffset", (long)TableBarOffset)
        .Add("pbaBir", PbaBir)
        .Add("pbaOffset", (long)PbaBarOffset)
        .Fields;
}
