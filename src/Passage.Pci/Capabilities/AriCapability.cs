namespace Passage.Pci.Capabilities;

/// <summary>Alternative Routing-ID Interpretation extended capability (ID 0x000E).</summary>
public sealed class AriCapability : CapabilityDecoding
{
    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static AriCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        Capability = config.Read16(offset + 4),
        Control = config.Read16(offset + 6),
    };

    /// <summary>ARI Capability register.</summary>
    public ushort Capability { get; private init; }

    /// <summary>ARI Control register.</summary>
    public ushort Control { get; private init; }

    /// <summary>Next Function Number (bits 15:8 of the capability register).</summary>
    public int NextFunction => Capability >> 8;

    /// <inheritdoc />
    public override int Length => 8;

    /// <inheritdoc />
    public override string Title => "Alternative Routing-ID Interpretation (ARI)";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
    [
        $"ARICap: MFVC{F((Capability & 1) != 0)} ACS{F((Capability & 2) != 0)}, Next Function: {NextFunction}",
        $"ARICtl: MFVC{F((Control & 1) != 0)} ACS{F((Control & 2) != 0)}, Function Group: {(Control >> 4) & 7}",
    ];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("mfvcFunctionGroupsCapable", (Capability & 1) != 0)
        .Add("acsFunctionGroupsCapable", (Capability & 2) != 0)
        .Add("nextFunction", NextFunction)
        .Add("mfvcFunctionGroupsEnable", (Control & 1) != 0)
        .Add("acsFunctionGroupsEnable", (Control & 2) != 0)
        .Add("functionGroup", (Control >> 4) & 7)
        .Fields;
}
