namespace Passage.Pci.Capabilities;

/// <summary>Access Control Services extended capability (ID 0x000D, pci.md §13).</summary>
public sealed class AcsCapability : CapabilityDecoding
{
    /// <summary>Offset of ACS Capability (16 bits).</summary>
    public const int CapabilityOffset = 4;

    /// <summary>Offset of ACS Control (16 bits).</summary>
    public const int ControlOffset = 6;

    /// <summary>Source Validation.</summary>
    public const ushort SourceValidation = 0x01;

    /// <summary>Translation Blocking.</summary>
    public const ushort TranslationBlocking = 0x02;

    /// <summary>P2P Request Redirect.</summary>
    public const ushort RequestRedirect = 0x04;

    /// <summary>P2P Completion Redirect.</summary>
    public const ushort CompletionRedirect = 0x08;

    /// <summary>Upstream Forwarding.</summary>
    public const ushort UpstreamForwarding = 0x10;

    /// <summary>P2P Egress Control.</summary>
    public const ushort EgressControl = 0x20;

    /// <summary>Direct Translated P2P.</summary>
    public const ushort DirectTranslated = 0x40;

    /// <summary>The flags isolation needs: SV | RR | CR | UF (lifecycle.md §4).</summary>
    public const ushort IsolationFlags = SourceValidation | RequestRedirect | CompletionRedirect | UpstreamForwarding;

    private static readonly (ushort Mask, string Name)[] Names =
    [
        (SourceValidation, "SrcValid"), (TranslationBlocking, "TransBlk"), (RequestRedirect, "ReqRedir"),
        (CompletionRedirect, "CmpltRedir"), (UpstreamForwarding, "UpstreamFwd"), (EgressControl, "EgressCtrl"),
        (DirectTranslated, "DirectTrans"),
    ];

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static AcsCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        Capability = config.Read16(offset + CapabilityOffset),
        Control = config.Read16(offset + ControlOffset),
    };

    /// <summary>Raw ACS Capability register.</summary>
    public ushort Capability { get; private init; }

    /// <summary>Raw ACS Control register.</summary>
    public ushort Control { get; private init; }

    /// <summary>
    /// Whether the isolation flags are enabled. A flag the port does not implement counts as
    /// hard-wired, as Linux's <c>pci_acs_flags_enabled</c> treats it.
    /// </summary>
    public bool IsolationEnabled
    {
        get
        {
            int required = IsolationFlags & Capability;
            return (Control & required) == required;
        }
    }

    /// <inheritdoc />
    public override int Length => 8;

    /// <inheritdoc />
    public override string Title => "Access Control Services";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
    [
        "ACSCap: " + string.Join(' ', Names.Select(n => n.Name + F((Capability & n.Mask) != 0))),
        "ACSCtl: " + string.Join(' ', Names.Select(n => n.Name + F((Control & n.Mask) != 0))),
    ];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("capability", (long)Capability)
        .Add("control", (long)Control)
        .Add("sourceValidation", (Control & SourceValidation) != 0)
        .Add("requestRedirect", (Control & RequestRedirect) != 0)
        .Add("completionRedirect", (Control & CompletionRedirect) != 0)
        .Add("upstreamForwarding", (Control & UpstreamForwarding) != 0)
        .Add("egressVectorSize", (long)(Capability >> 8))
        .Add("isolationEnabled", IsolationEnabled)
        .Fields;
}
