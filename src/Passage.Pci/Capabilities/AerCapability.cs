namespace Passage.Pci.Capabilities;

/// <summary>Advanced Error Reporting extended capability (ID 0x0001, pci.md §16).</summary>
public sealed class AerCapability : CapabilityDecoding
{
    /// <summary>Offset of Uncorrectable Error Status.</summary>
    public const int UncorrectableStatusOffset = 0x04;

    /// <summary>Offset of Uncorrectable Error Mask.</summary>
    public const int UncorrectableMaskOffset = 0x08;

    /// <summary>Offset of Uncorrectable Error Severity.</summary>
    public const int UncorrectableSeverityOffset = 0x0C;

    /// <summary>Offset of Correctable Error Status.</summary>
    public const int CorrectableStatusOffset = 0x10;

    /// <summary>Offset of Correctable Error Mask.</summary>
    public const int CorrectableMaskOffset = 0x14;

    /// <summary>Offset of Advanced Error Capabilities and Control.</summary>
    public const int CapabilitiesControlOffset = 0x18;

    /// <summary>Offset of the first Header Log dword.</summary>
    public const int HeaderLogOffset = 0x1C;

    /// <summary>Offset of Root Error Command (root ports).</summary>
    public const int RootCommandOffset = 0x2C;

    /// <summary>Offset of Root Error Status (root ports).</summary>
    public const int RootStatusOffset = 0x30;

    /// <summary>Defined uncorrectable bits (as vfio-pci).</summary>
    public const uint UncorrectableDefined = 0x03FF_F031;

    /// <summary>Defined correctable bits (as vfio-pci).</summary>
    public const uint CorrectableDefined = 0x0000_F1C1;

    /// <summary>Default Uncorrectable Severity.</summary>
    public const uint DefaultSeverity = 0x0046_2030;

    /// <summary>Default Correctable Mask.</summary>
    public const uint DefaultCorrectableMask = 0x0000_E000;

    /// <summary>Length of the structure including the TLP Prefix Log.</summary>
    public const int FullLength = 0x48;

    private static readonly (int Bit, string Name)[] UncorrectableNames =
    [
        (0, "Undef"), (4, "DLP"), (5, "SDES"), (12, "TLP"), (13, "FCP"), (14, "CmpltTO"), (15, "CmpltAbrt"),
        (16, "UnxCmplt"), (17, "RxOF"), (18, "MalfTLP"), (19, "ECRC"), (20, "UnsupReq"), (21, "ACSViol"),
        (22, "UncorrIntErr"), (23, "BlockedTLP"), (24, "AtomicOpBlocked"), (25, "TLPBlockedErr"), (26, "PoisonTLPBlocked"),
    ];

    private static readonly (int Bit, string Name)[] CorrectableNames =
    [
        (0, "RxErr"), (6, "BadTLP"), (7, "BadDLLP"), (8, "Rollover"), (12, "Timeout"), (13, "AdvNonFatalErr"),
        (14, "CorrIntErr"), (15, "HeaderOF"),
    ];

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static AerCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        UncorrectableStatus = config.Read32(offset + UncorrectableStatusOffset),
        UncorrectableMask = config.Read32(offset + UncorrectableMaskOffset),
        UncorrectableSeverity = config.Read32(offset + UncorrectableSeverityOffset),
        CorrectableStatus = config.Read32(offset + CorrectableStatusOffset),
        CorrectableMask = config.Read32(offset + CorrectableMaskOffset),
        CapabilitiesControl = config.Read32(offset + CapabilitiesControlOffset),
        HeaderLog =
        [
            config.Read32(offset + HeaderLogOffset), config.Read32(offset + HeaderLogOffset + 4),
            config.Read32(offset + HeaderLogOffset + 8), config.Read32(offset + HeaderLogOffset + 12),
        ],
    };

    /// <summary>Uncorrectable Error Status.</summary>
    public uint UncorrectableStatus { get; private init; }

    /// <summary>Uncorrectable Error Mask.</summary>
    public uint UncorrectableMask { get; private init; }

    /// <summary>Uncorrectable Error Severity (1 = fatal).</summary>
    public uint UncorrectableSeverity { get; private init; }

    /// <summary>Correctable Error Status.</summary>
    public uint CorrectableStatus { get; private init; }

    /// <summary>Correctable Error Mask.</summary>
    public uint CorrectableMask { get; private init; }

    /// <summary>Advanced Error Capabilities and Control.</summary>
    public uint CapabilitiesControl { get; private init; }

    /// <summary>The four Header Log dwords.</summary>
    public IReadOnlyList<uint> HeaderLog { get; private init; } = [];

    /// <inheritdoc />
    public override int Length => FullLength;

    /// <inheritdoc />
    public override string Title => "Advanced Error Reporting";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
    [
        "UESta:  " + Bits(UncorrectableStatus, UncorrectableNames),
        "UEMsk:  " + Bits(UncorrectableMask, UncorrectableNames),
        "UESvrt: " + Bits(UncorrectableSeverity, UncorrectableNames),
        "CESta:  " + Bits(CorrectableStatus, CorrectableNames),
        "CEMsk:  " + Bits(CorrectableMask, CorrectableNames),
        $"AERCap: First Error Pointer: {CapabilitiesControl & 0x1F:x2}, ECRCGenCap{F(Bit(CapabilitiesControl, 0x20))} ECRCGenEn{F(Bit(CapabilitiesControl, 0x40))} " +
        $"ECRCChkCap{F(Bit(CapabilitiesControl, 0x80))} ECRCChkEn{F(Bit(CapabilitiesControl, 0x100))}",
        $"HeaderLog: {HeaderLog[0]:x8} {HeaderLog[1]:x8} {HeaderLog[2]:x8} {HeaderLog[3]:x8}",
    ];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("uncorrectableStatus", (long)UncorrectableStatus)
        .Add("uncorrectableMask", (long)UncorrectableMask)
        .Add("uncorrectableSeverity", (long)UncorrectableSeverity)
        .Add("correctableStatus", (long)CorrectableStatus)
        .Add("correctableMask", (long)CorrectableMask)
        .Add("firstErrorPointer", (long)(CapabilitiesControl & 0x1F))
        .Add("ecrcGenerationCapable", Bit(CapabilitiesControl, 0x20))
        .Add("ecrcGenerationEnable", Bit(CapabilitiesControl, 0x40))
        .Add("ecrcCheckCapable", Bit(CapabilitiesControl, 0x80))
        .Add("ecrcCheckEnable", Bit(CapabilitiesControl, 0x100))
        .Fields;

    private static string Bits(uint value, (int Bit, string Name)[] names) =>
        string.Join(' ', names.Select(n => n.Name + F(((value >> n.Bit) & 1) != 0)));
}
