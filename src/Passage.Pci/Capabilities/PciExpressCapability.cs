namespace Passage.Pci.Capabilities;

/// <summary>PCI Express capability (ID 0x10, pci.md §11).</summary>
public sealed class PciExpressCapability : CapabilityDecoding
{
    /// <summary>Offset of PCI Express Capabilities.</summary>
    public const int CapabilitiesOffset = 0x02;

    /// <summary>Offset of Device Capabilities.</summary>
    public const int DeviceCapabilitiesOffset = 0x04;

    /// <summary>Offset of Device Control.</summary>
    public const int DeviceControlOffset = 0x08;

    /// <summary>Offset of Device Status.</summary>
    public const int DeviceStatusOffset = 0x0A;

    /// <summary>Offset of Link Capabilities.</summary>
    public const int LinkCapabilitiesOffset = 0x0C;

    /// <summary>Offset of Link Control.</summary>
    public const int LinkControlOffset = 0x10;

    /// <summary>Offset of Link Status.</summary>
    public const int LinkStatusOffset = 0x12;

    /// <summary>Offset of Slot Capabilities.</summary>
    public const int SlotCapabilitiesOffset = 0x14;

    /// <summary>Offset of Root Control.</summary>
    public const int RootControlOffset = 0x1C;

    /// <summary>Offset of Device Capabilities 2.</summary>
    public const int DeviceCapabilities2Offset = 0x24;

    /// <summary>Offset of Device Control 2.</summary>
    public const int DeviceControl2Offset = 0x28;

    /// <summary>Offset of Link Capabilities 2.</summary>
    public const int LinkCapabilities2Offset = 0x2C;

    /// <summary>Device Capabilities: Function Level Reset capable.</summary>
    public const uint FlrCapable = 0x1000_0000;

    /// <summary>Device Control: Initiate FLR.</summary>
    public const ushort InitiateFlr = 0x8000;

    /// <summary>Device Status: Transactions Pending.</summary>
    public const ushort TransactionsPending = 0x0020;

    /// <summary>Device Control 2: ARI Forwarding Enable.</summary>
    public const ushort AriForwardingEnable = 0x0020;

    /// <summary>Root Control: RRS (CRS) Software Visibility Enable.</summary>
    public const ushort RrsSoftwareVisibility = 0x0010;

    /// <summary>Capabilities: Slot Implemented.</summary>
    public const ushort SlotImplemented = 0x0100;

    /// <summary>Length of a version 1 endpoint capability.</summary>
    public const int LengthV1 = 20;

    /// <summary>Length of a version 2 capability: ends after Link Status 2 (0x34).</summary>
    public const int LengthV2 = 52;

    private static readonly string[] Speeds = ["unknown", "2.5GT/s", "5GT/s", "8GT/s", "16GT/s", "32GT/s", "64GT/s"];

    /// <summary>Decodes the capability at <paramref name="offset"/>.</summary>
    public static PciExpressCapability Decode(ConfigSpace config, int offset)
    {
        ushort caps = config.Read16(offset + CapabilitiesOffset);
        bool v2 = (caps & 0xF) >= 2;
        return new PciExpressCapability
        {
            Offset = offset,
            Capabilities = caps,
            DeviceCapabilities = config.Read32(offset + DeviceCapabilitiesOffset),
            DeviceControl = config.Read16(offset + DeviceControlOffset),
            DeviceStatus = config.Read16(offset + DeviceStatusOffset),
            LinkCapabilities = config.Read32(offset + LinkCapabilitiesOffset),
            LinkControl = config.Read16(offset + LinkControlOffset),
            LinkStatus = config.Read16(offset + LinkStatusOffset),
            RootControl = config.Read16(offset + RootControlOffset),
            DeviceCapabilities2 = v2 ? config.Read32(offset + DeviceCapabilities2Offset) : 0,
            DeviceControl2 = v2 ? config.Read16(offset + DeviceControl2Offset) : (ushort)0,
        };
    }

    /// <summary>Raw PCI Express Capabilities register.</summary>
    public ushort Capabilities { get; private init; }

    /// <summary>Raw Device Capabilities.</summary>
    public uint DeviceCapabilities { get; private init; }

    /// <summary>Raw Device Control.</summary>
    public ushort DeviceControl { get; private init; }

    /// <summary>Raw Device Status.</summary>
    public ushort DeviceStatus { get; private init; }

    /// <summary>Raw Link Capabilities.</summary>
    public uint LinkCapabilities { get; private init; }

    /// <summary>Raw Link Control.</summary>
    public ushort LinkControl { get; private init; }

    /// <summary>Raw Link Status.</summary>
    public ushort LinkStatus { get; private init; }

    /// <summary>Raw Root Control (root ports and event collectors).</summary>
    public ushort RootControl { get; private init; }

    /// <summary>Raw Device Capabilities 2 (version 2 only).</summary>
    public uint DeviceCapabilities2 { get; private init; }

    /// <summary>Raw Device Control 2 (version 2 only).</summary>
    public ushort DeviceControl2 { get; private init; }

    /// <summary>Capability version.</summary>
    public int Version => Capabilities & 0xF;

    /// <summary>Device/port type.</summary>
    public PcieDeviceType DeviceType => (PcieDeviceType)((Capabilities >> 4) & 0xF);

    /// <summary>Human name of the device/port type, as lspci prints it.</summary>
    public string DeviceTypeName => DeviceType switch
    {
        PcieDeviceType.Endpoint => "Endpoint",
        PcieDeviceType.LegacyEndpoint => "Legacy Endpoint",
        PcieDeviceType.RootPort => "Root Port (Slot" + F(HasSlot) + ")",
        PcieDeviceType.UpstreamPort => "Upstream Port",
        PcieDeviceType.DownstreamPort => "Downstream Port (Slot" + F(HasSlot) + ")",
        PcieDeviceType.PcieToPciBridge => "PCI-Express to PCI/PCI-X Bridge",
        PcieDeviceType.PciToPcieBridge => "PCI/PCI-X to PCI-Express Bridge",
        PcieDeviceType.RootComplexIntegratedEndpoint => "Root Complex Integrated Endpoint",
        PcieDeviceType.RootComplexEventCollector => "Root Complex Event Collector",
        _ => $"Unknown type {(int)DeviceType}",
    };

    /// <summary>Whether the port has a slot.</summary>
    public bool HasSlot => (Capabilities & SlotImplemented) != 0;

    /// <summary>Function Level Reset capable (Device Capabilities bit 28).</summary>
    public bool IsFlrCapable => (DeviceCapabilities & FlrCapable) != 0 && IsFunctionType;

    /// <summary>Whether the type is a function that may carry FLR (endpoints), not a port.</summary>
    public bool IsFunctionType => DeviceType is PcieDeviceType.Endpoint or PcieDeviceType.LegacyEndpoint or PcieDeviceType.RootComplexIntegratedEndpoint;

    /// <summary>Whether the function is a port or bridge (never assigned to a guest).</summary>
    public bool IsPortOrBridge => DeviceType is PcieDeviceType.RootPort or PcieDeviceType.UpstreamPort or PcieDeviceType.DownstreamPort
        or PcieDeviceType.PcieToPciBridge or PcieDeviceType.PciToPcieBridge;

    /// <summary>Whether the type has a link (RCiEPs and event collectors do not).</summary>
    public bool HasLink => DeviceType is not PcieDeviceType.RootComplexIntegratedEndpoint and not PcieDeviceType.RootComplexEventCollector;

    /// <summary>Maximum payload the function supports, in bytes.</summary>
    public int MaxPayloadSupported => 128 << (int)(DeviceCapabilities & 0x7);

    /// <summary>Maximum payload size programmed, in bytes.</summary>
    public int MaxPayload => 128 << ((DeviceControl >> 5) & 0x7);

    /// <summary>Maximum read request size programmed, in bytes.</summary>
    public int MaxReadRequest => 128 << ((DeviceControl >> 12) & 0x7);

    /// <summary>Maximum link speed code (1 = 2.5 GT/s … 6 = 64 GT/s).</summary>
    public int MaxLinkSpeed => (int)(LinkCapabilities & 0xF);

    /// <summary>Maximum link width (lanes).</summary>
    public int MaxLinkWidth => (int)((LinkCapabilities >> 4) & 0x3F);

    /// <summary>Negotiated link speed code.</summary>
    public int LinkSpeed => LinkStatus & 0xF;

    /// <summary>Negotiated link width (lanes).</summary>
    public int LinkWidth => (LinkStatus >> 4) & 0x3F;

    /// <summary>Capability length for its version (pci.md §11; Passage uses 52 for version 2).</summary>
    public override int Length => Version >= 2 ? LengthV2 : LengthV1;

    /// <inheritdoc />
    public override string Title => $"Express (v{Version}) {DeviceTypeName}, MSI {(Capabilities >> 9) & 0x1F:x2}";

    /// <summary>A link speed code as text (e.g. <c>8GT/s</c>).</summary>
    public static string SpeedName(int code) => code >= 0 && code < Speeds.Length ? Speeds[code] : "unknown";

    /// <inheritdoc />
    public override IReadOnlyList<string> Details
    {
        get
        {
            var lines = new List<string>
            {
                $"DevCap: MaxPayload {MaxPayloadSupported} bytes, PhantFunc {(DeviceCapabilities >> 3) & 3}" +
                (IsFunctionType ? $", FLReset{F(IsFlrCapable)}" : string.Empty),
                $"DevCtl: CorrErr{F(Bit(DeviceControl, 1))} NonFatalErr{F(Bit(DeviceControl, 2))} FatalErr{F(Bit(DeviceControl, 4))} UnsupReq{F(Bit(DeviceControl, 8))}",
                $"        RlxdOrd{F(Bit(DeviceControl, 0x10))} ExtTag{F(Bit(DeviceControl, 0x100))} PhantFunc{F(Bit(DeviceControl, 0x200))} AuxPwr{F(Bit(DeviceControl, 0x400))} NoSnoop{F(Bit(DeviceControl, 0x800))}" +
                (IsFunctionType ? $" FLReset{F(Bit(DeviceControl, InitiateFlr))}" : string.Empty),
                $"        MaxPayload {MaxPayload} bytes, MaxReadReq {MaxReadRequest} bytes",
                $"DevSta: CorrErr{F(Bit(DeviceStatus, 1))} NonFatalErr{F(Bit(DeviceStatus, 2))} FatalErr{F(Bit(DeviceStatus, 4))} UnsupReq{F(Bit(DeviceStatus, 8))} AuxPwr{F(Bit(DeviceStatus, 0x10))} TransPend{F(Bit(DeviceStatus, TransactionsPending))}",
            };
            if (HasLink)
            {
                lines.Add($"LnkCap: Port #{LinkCapabilities >> 24}, Speed {SpeedName(MaxLinkSpeed)}, Width x{MaxLinkWidth}, ASPM {AspmName((int)(LinkCapabilities >> 10) & 3)}");
                lines.Add($"LnkCtl: ASPM {AspmName(LinkControl & 3)}; Disabled{F(Bit(LinkControl, 0x10))} CommClk{F(Bit(LinkControl, 0x40))}");
                lines.Add($"LnkSta: Speed {SpeedName(LinkSpeed)}, Width x{LinkWidth}, TrErr{F(Bit(LinkStatus, 0x400))} Train{F(Bit(LinkStatus, 0x800))} SlotClk{F(Bit(LinkStatus, 0x1000))} DLActive{F(Bit(LinkStatus, 0x2000))}");
            }

            if (DeviceType is PcieDeviceType.RootPort or PcieDeviceType.RootComplexEventCollector)
            {
                lines.Add($"RootCtl: ErrCorrectable{F(Bit(RootControl, 1))} ErrNon-Fatal{F(Bit(RootControl, 2))} ErrFatal{F(Bit(RootControl, 4))} PMEIntEna{F(Bit(RootControl, 8))} CRSVisible{F(Bit(RootControl, RrsSoftwareVisibility))}");
            }

            if (Version >= 2)
            {
                lines.Add($"DevCtl2: ARIFwd{F(Bit(DeviceControl2, AriForwardingEnable))}");
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
                .Add("version", Version)
                .Add("deviceType", (int)DeviceType)
                .Add("deviceTypeName", DeviceType.ToString())
                .Add("slotImplemented", HasSlot)
                .Add("interruptMessageNumber", (Capabilities >> 9) & 0x1F)
                .Add("flrCapable", IsFlrCapable)
                .Add("maxPayloadSupported", MaxPayloadSupported)
                .Add("maxPayload", MaxPayload)
                .Add("maxReadRequest", MaxReadRequest)
                .Add("correctableReporting", Bit(DeviceControl, 1))
                .Add("nonFatalReporting", Bit(DeviceControl, 2))
                .Add("fatalReporting", Bit(DeviceControl, 4))
                .Add("unsupportedRequestReporting", Bit(DeviceControl, 8))
                .Add("transactionsPending", Bit(DeviceStatus, TransactionsPending));
            if (HasLink)
            {
                f.Add("maxLinkSpeed", MaxLinkSpeed)
                    .Add("maxLinkWidth", MaxLinkWidth)
                    .Add("linkSpeed", LinkSpeed)
                    .Add("linkWidth", LinkWidth)
                    .Add("dataLinkLayerActive", Bit(LinkStatus, 0x2000))
                    .Add("portNumber", (long)(LinkCapabilities >> 24));
            }

            if (DeviceType is PcieDeviceType.RootPort or PcieDeviceType.RootComplexEventCollector)
            {
                f.Add("rrsSoftwareVisibility", Bit(RootControl, RrsSoftwareVisibility));
            }

            if (Version >= 2)
            {
                f.Add("ariForwarding", Bit(DeviceControl2, AriForwardingEnable));
            }

            return f.Fields;
        }
    }

    private static string AspmName(int value) => value switch
    {
        0 => "Disabled",
        1 => "L0s",
        2 => "L1",
        _ => "L0s L1",
    };
}
