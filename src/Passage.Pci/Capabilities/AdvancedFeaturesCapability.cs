namespace Passage.Pci.Capabilities;

/// <summary>Advanced Features capability (ID 0x13, pci.md §12).</summary>
public sealed class AdvancedFeaturesCapability : CapabilityDecoding
{
    /// <summary>AF Capabilities: Transactions Pending capable.</summary>
    public const byte TpCapable = 0x01;

    /// <summary>AF Capabilities: FLR capable.</summary>
    public const byte FlrCapable = 0x02;

    /// <summary>Offset of AF Control (bit 0 Initiate FLR).</summary>
    public const int ControlOffset = 4;

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static AdvancedFeaturesCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        AfCapabilities = config.Read8(offset + 3),
        AfStatus = config.Read8(offset + 5),
    };

    /// <summary>Raw AF Capabilities byte.</summary>
    public byte AfCapabilities { get; private init; }

    /// <summary>Raw AF Status byte.</summary>
    public byte AfStatus { get; private init; }

    /// <summary>Whether an AF FLR is possible: both TP and FLR capable.</summary>
    public bool SupportsFlr => (AfCapabilities & (TpCapable | FlrCapable)) == (TpCapable | FlrCapable);

    /// <inheritdoc />
    public override int Length => 6;

    /// <inheritdoc />
    public override string Title => "PCI Advanced Features";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details =>
    [
        $"AFCap: TP{F(Bit(AfCapabilities, TpCapable))} FLR{F(Bit(AfCapabilities, FlrCapable))}",
        $"AFStatus: TP{F(Bit(AfStatus, 1))}",
    ];

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("transactionsPendingCapable", Bit(AfCapabilities, TpCapable))
        .Add("flrCapable", Bit(AfCapabilities, FlrCapable))
        .Add("transactionsPending", Bit(AfStatus, 1))
        .Fields;
}
