namespace Passage.Pci.Capabilities;

/// <summary>MSI capability (ID 0x05) in all four layouts (pci.md §7).</summary>
public sealed class MsiCapability : CapabilityDecoding
{
    /// <summary>Offset of Message Control.</summary>
    public const int ControlOffset = 2;

    /// <summary>Offset of Message Address (low).</summary>
    public const int AddressOffset = 4;

    /// <summary>Message Control: MSI Enable.</summary>
    public const ushort Enable = 0x0001;

    /// <summary>Message Control: Multiple Message Capable, bits 3:1 (log2).</summary>
    public const ushort MultipleMessageCapableMask = 0x000E;

    /// <summary>Message Control: Multiple Message Enable, bits 6:4 (log2).</summary>
    public const ushort MultipleMessageEnableMask = 0x0070;

    /// <summary>Message Control: 64-bit address capable.</summary>
    public const ushort Address64 = 0x0080;

    /// <summary>Message Control: per-vector masking capable.</summary>
    public const ushort PerVectorMask = 0x0100;

    /// <summary>Message Control: extended message data capable.</summary>
    public const ushort ExtendedDataCapable = 0x0200;

    /// <summary>Message Control: extended message data enable.</summary>
    public const ushort ExtendedDataEnable = 0x0400;

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static MsiCapability Decode(ConfigSpace config, int offset)
    {
        ushort control = config.Read16(offset + ControlOffset);
        bool is64 = (control & Address64) != 0;
        int dataOffset = is64 ? 0xC : 0x8;
        int maskOffset = is64 ? 0x10 : 0xC;
        return new MsiCapability
        {
            Offset = offset,
            Control = control,
            Address = config.Read32(offset + AddressOffset) | (is64 ? (ulong)config.Read32(offset + 8) << 32 : 0),
            Data = config.Read16(offset + dataOffset),
            MaskBits = (control & PerVectorMask) != 0 ? config.Read32(offset + maskOffset) : 0,
            PendingBits = (control & PerVectorMask) != 0 ? config.Read32(offset + maskOffset + 4) : 0,
        };
    }

    /// <summary>Raw Message Control.</summary>
    public ushort Control { get; private init; }

    /// <summary>Message address (64 bits when <see cref="Is64Bit"/>).</summary>
    public ulong Address { get; private init; }

    /// <summary>Message data (16 bits).</summary>
    public ushort Data { get; private init; }

    /// <summary>Mask bits (per-vector masking only).</summary>
    public uint MaskBits { get; private init; }

    /// <summary>Pending bits (per-vector masking only).</summary>
    public uint PendingBits { get; private init; }

    /// <summary>MSI Enable.</summary>
    public bool Enabled => (Control & Enable) != 0;

    /// <summary>64-bit address capable.</summary>
    public bool Is64Bit => (Control & Address64) != 0;

    /// <summary>Per-vector masking capable.</summary>
    public bool HasPerVectorMask => (Control & PerVectorMask) != 0;

    /// <summary>Vectors the function can request: 1, 2, 4 … 32 (log2 values above 5 are reserved and clamp to 32).</summary>
    public int MultipleMessageCapable => 1 << Math.Min((Control & MultipleMessageCapableMask) >> 1, 5);

    /// <summary>Vectors granted by software: 1, 2, 4 … 32.</summary>
    public int MultipleMessageEnable => 1 << Math.Min((Control & MultipleMessageEnableMask) >> 4, 5);

    /// <summary>Structure length for the layout: 10, 14, 20 or 24 bytes.</summary>
    public override int Length => (Is64Bit, HasPerVectorMask) switch
    {
        (false, false) => 10,
        (true, false) => 14,
        (false, true) => 20,
        _ => 24,
    };

    /// <inheritdoc />
    public override string Title =>
        $"MSI: Enable{F(Enabled)} Count={MultipleMessageEnable}/{MultipleMessageCapable} Maskable{F(HasPerVectorMask)} 64bit{F(Is64Bit)}";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details
    {
        get
        {
            var lines = new List<string>
            {
                Is64Bit ? $"Address: {Address:x16}  Data: {Data:x4}" : $"Address: {Address:x8}  Data: {Data:x4}",
            };
            if (HasPerVectorMask)
            {
                lines.Add($"Masking: {MaskBits:x8}  Pending: {PendingBits:x8}");
            }

            return lines;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields
    {
        get
        {
            var f = new FieldList()
                .Add("enabled", Enabled)
                .Add("multipleMessageCapable", MultipleMessageCapable)
                .Add("multipleMessageEnable", MultipleMessageEnable)
                .Add("is64Bit", Is64Bit)
                .Add("perVectorMask", HasPerVectorMask)
                .Add("extendedDataCapable", Bit(Control, ExtendedDataCapable))
                .Add("extendedDataEnable", Bit(Control, ExtendedDataEnable))
                .Add("address", Address)
                .Add("data", (long)Data);
            if (HasPerVectorMask)
            {
                f.Add("maskBits", (long)MaskBits).Add("pendingBits", (long)PendingBits);
            }

            return f.Fields;
        }
    }
}
