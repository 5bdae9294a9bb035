namespace Passage.Pci.Capabilities;

/// <summary>Power Management capability (ID 0x01, pci.md §10).</summary>
public sealed class PowerManagementCapability : CapabilityDecoding
{
    /// <summary>Offset of PMC (Power Management Capabilities).</summary>
    public const int CapabilitiesOffset = 2;

    /// <summary>Offset of PMCSR (Control/Status).</summary>
    public const int ControlStatusOffset = 4;

    /// <summary>PMCSR power state field, bits 1:0.</summary>
    public const ushort PowerStateMask = 0x0003;

    /// <summary>PMCSR No_Soft_Reset: D3hot→D0 keeps state, so no PM reset.</summary>
    public const ushort NoSoftReset = 0x0008;

    /// <summary>PMCSR PME_En.</summary>
    public const ushort PmeEnable = 0x0100;

    /// <summary>PMCSR PME_Status (RW1C).</summary>
    public const ushort PmeStatus = 0x8000;

    /// <summary>PMC PME_Support field.</summary>
    public const ushort PmeSupportMask = 0xF800;

    private static readonly int[] AuxCurrentMilliamps = [0, 55, 100, 160, 220, 270, 320, 375];

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static PowerManagementCapability Decode(ConfigSpace config, int offset) => new()
    {
        Offset = offset,
        Pmc = config.Read16(offset + CapabilitiesOffset),
        Pmcsr = config.Read16(offset + ControlStatusOffset),
    };

    /// <summary>Raw PMC.</summary>
    public ushort Pmc { get; private init; }

    /// <summary>Raw PMCSR.</summary>
    public ushort Pmcsr { get; private init; }

    /// <summary>PM specification version (PMC bits 2:0).</summary>
    public int Version => Pmc & 0x7;

    /// <summary>Current D-state: 0 D0 … 3 D3hot.</summary>
    public int PowerState => Pmcsr & PowerStateMask;

    /// <summary>No_Soft_Reset set: a D3hot→D0 transition does not reset the function.</summary>
    public bool NoSoftResetSet => (Pmcsr & NoSoftReset) != 0;

    /// <summary>D1 supported.</summary>
    public bool D1Support => (Pmc & 0x0200) != 0;

    /// <summary>D2 supported.</summary>
    public bool D2Support => (Pmc & 0x0400) != 0;

    /// <inheritdoc />
    public override int Length => 8;

    /// <inheritdoc />
    public override string Title => $"Power Management version {Version}";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details
    {
        get
        {
            int pme = Pmc >> 11;
            return
            [
                $"Flags: PMEClk{F(Bit(Pmc, 0x8))} DSI{F(Bit(Pmc, 0x20))} D1{F(D1Support)} D2{F(D2Support)} " +
                $"AuxCurrent={AuxCurrentMilliamps[(Pmc >> 6) & 7]}mA " +
                $"PME(D0{F(Bit((uint)pme, 1))},D1{F(Bit((uint)pme, 2))},D2{F(Bit((uint)pme, 4))},D3hot{F(Bit((uint)pme, 8))},D3cold{F(Bit((uint)pme, 16))})",
                $"Status: D{PowerState} NoSoftRst{F(NoSoftResetSet)} PME-Enable{F(Bit(Pmcsr, PmeEnable))} " +
                $"DSel={(Pmcsr >> 9) & 0xF} DScale={(Pmcsr >> 13) & 3} PME{F(Bit(Pmcsr, PmeStatus))}",
            ];
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<DecodedField> Fields => new FieldList()
        .Add("version", Version)
        .Add("pmeClock", Bit(Pmc, 0x8))
        .Add("deviceSpecificInit", Bit(Pmc, 0x20))
        .Add("auxCurrentMilliamps", AuxCurrentMilliamps[(Pmc >> 6) & 7])
        .Add("d1Support", D1Support)
        .Add("d2Support", D2Support)
        .Add("pmeSupport", (Pmc & PmeSupportMask) >> 11)
        .Add("powerState", PowerState)
        .Add("noSoftReset", NoSoftResetSet)
        .Add("pmeEnable", Bit(Pmcsr, PmeEnable))
        .Add("dataSelect", (Pmcsr >> 9) & 0xF)
        .Add("dataScale", (Pmcsr >> 13) & 3)
        .Add("pmeStatus", Bit(Pmcsr, PmeStatus))
        .Fields;
}
