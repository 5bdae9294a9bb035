using System.Buffers.Binary;
using Passage.Pci.Capabilities;

namespace Passage.Pci;

/// <summary>
/// Capability bodies laid out as pci.md specifies them: the bytes after a standard capability's
/// ID/next pair, or after an extended capability's header dword. Used with
/// <see cref="ConfigSpaceBuilder"/> by device models and tests.
/// </summary>
public static class CapabilityLayouts
{
    /// <summary>Power Management (6 bytes): PMC, PMCSR, bridge extension, data.</summary>
    /// <param name="version">PM version (3 for PCI PM 1.2).</param>
    /// <param name="noSoftReset">PMCSR No_Soft_Reset.</param>
    /// <param name="pmeSupport">PME_Support field (5 bits: D0, D1, D2, D3hot, D3cold).</param>
    public static byte[] PowerManagement(int version = 3, bool noSoftReset = false, int pmeSupport = 0)
    {
        byte[] b = new byte[6];
        Le16(b, 0, (ushort)((version & 7) | ((pmeSupport & 0x1F) << 11)));
        Le16(b, 2, noSoftReset ? PowerManagementCapability.NoSoftReset : (ushort)0);
        return b;
    }

    /// <summary>MSI in the layout chosen by the two flags (8, 12, 18 or 22 bytes after ID/next).</summary>
    /// <param name="is64Bit">64-bit address capable.</param>
    /// <param name="perVectorMask">Per-vector masking capable.</param>
    /// <param name="multipleMessageCapableLog2">log2 of the vectors the function can request (0–5).</param>
    public static byte[] Msi(bool is64Bit, bool perVectorMask, int multipleMessageCapableLog2 = 0)
    {
        int length = (is64Bit, perVectorMask) switch
        {
            (false, false) => 10,
            (true, false) => 14,
            (false, true) => 20,
            _ => 24,
        };
        byte[] b = new byte[length - 2];
        ushort control = (ushort)((multipleMessageCapableLog2 & 7) << 1);
        control |= is64Bit ? MsiCapability.Address64 : (ushort)0;
        control |= perVectorMask ? MsiCapability.PerVectorMask : (ushort)0;
        Le16(b, 0, control);
        return b;
    }

    /// <summary>MSI-X (10 bytes after ID/next): table size, table and PBA locations; Enable and Function Mask clear.</summary>
    public static byte[] Msix(int tableSize, int tableBir, uint tableOffset, int pbaBir, uint pbaOffset)
    {
        if (tableSize is < 1 or > 2048)
        {
            throw new ArgumentOutOfRangeException(nameof(tableSize), tableSize, "MSI-X tables hold 1–2048 entries");
        }

        byte[] b = new byte[10];
        Le16(b, 0, (ushort)(tableSize - 1));
        Le32(b, 2, (tableOffset & ~MsixCapability.BirMask) | (uint)(tableBir & 7));
        Le32(b, 6, (pbaOffset & ~MsixCapability.BirMask) | (uint)(pbaBir & 7));
        return b;
    }

    /// <summary>PCI Express capability (version 1: 18 bytes, version 2: 50 bytes after ID/next).</summary>
    /// <param name="type">Device/port type.</param>
    /// <param name="version">Capability version (1 or 2).</param>
    /// <param name="flr">Device Capabilities FLR bit (endpoints).</param>
    /// <param name="maxLinkSpeed">Link speed code (1 = 2.5 GT/s … 5 = 32 GT/s).</param>
    /// <param name="maxLinkWidth">Link width in lanes.</param>
    /// <param name="slot">Slot implemented (ports).</param>
    /// <param name="maxPayloadSupportedCode">DevCap max payload code (0 = 128 bytes … 5 = 4096).</param>
    public static byte[] PciExpress(PcieDeviceType type, int version = 2, bool flr = false, int maxLinkSpeed = 3, int maxLinkWidth = 4, bool slot = false, int maxPayloadSupportedCode = 1)
    {
        byte[] b = new byte[(version >= 2 ? PciExpressCapability.LengthV2 : PciExpressCapability.LengthV1) - 2];
        Le16(b, 0, (ushort)((version & 0xF) | ((int)type << 4) | (slot ? PciExpressCapability.SlotImplemented : 0)));
        Le32(b, 2, (uint)(maxPayloadSupportedCode & 7) | 0x8000 /* role-based error reporting */ | (flr ? PciExpressCapability.FlrCapable : 0));
        // Device Control: error reporting off, MPS 128, MRRS 512, relaxed ordering and no snoop on (power-on defaults).
        Le16(b, 6, 0x2810);
        bool hasLink = type is not PcieDeviceType.RootComplexIntegratedEndpoint and not PcieDeviceType.RootComplexEventCollector;
        if (hasLink)
        {
            Le32(b, 10, (uint)(maxLinkSpeed & 0xF) | (uint)((maxLinkWidth & 0x3F) << 4) | 0xC00 /* ASPM L0s L1 */);
            Le16(b, 16, (ushort)((maxLinkSpeed & 0xF) | ((maxLinkWidth & 0x3F) << 4) | 0x2000 /* DLL active */));
        }

        if (version >= 2)
        {
            Le32(b, 0x24 - 2, 0x0000_0010u /* completion timeout disable supported */);
            Le32(b, 0x2C - 2, (uint)(((1 << (maxLinkSpeed + 1)) - 2) & 0xFE));
        }

        return b;
    }

    /// <summary>Vendor-specific capability of <paramref name="length"/> bytes (length byte included, zero payload).</summary>
    public static byte[] VendorSpecific(int length)
    {
        if (length is < 3 or > 0xFF)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "vendor-specific capabilities are 3–255 bytes long");
        }

        byte[] b = new byte[length - 2];
        b[0] = (byte)length;
        return b;
    }

    /// <summary>Advanced Features (4 bytes after ID/next): length 6 and the capability bits.</summary>
    public static byte[] AdvancedFeatures(bool transactionsPending = true, bool flr = true) =>
        [6, (byte)((transactionsPending ? AdvancedFeaturesCapability.TpCapable : 0) | (flr ? AdvancedFeaturesCapability.FlrCapable : 0)), 0, 0];

    /// <summary>Bridge subsystem vendor ID capability (6 bytes after ID/next).</summary>
    public static byte[] BridgeSubsystem(ushort vendor, ushort device)
    {
        byte[] b = new byte[6];
        Le16(b, 2, vendor);
        Le16(b, 4, device);
        return b;
    }

    /// <summary>SATA HBA capability (6 bytes after ID/next): revision 1.0, BAR-relative index/data pair.</summary>
    public static byte[] Sata() => [0x10, 0x00, 0x48, 0x00, 0x00, 0x00];

    /// <summary>AER (0x44 bytes after the header): status clear, default severity and correctable mask.</summary>
    public static byte[] Aer()
    {
        byte[] b = new byte[AerCapability.FullLength - 4];
        Le32(b, AerCapability.UncorrectableSeverityOffset - 4, AerCapability.DefaultSeverity);
        Le32(b, AerCapability.CorrectableMaskOffset - 4, AerCapability.DefaultCorrectableMask);
        Le32(b, AerCapability.CapabilitiesControlOffset - 4, 0xA0 /* ECRC generation and check capable */);
        return b;
    }

    /// <summary>ACS (4 bytes after the header): the capability bits, and the same bits enabled when <paramref name="enabled"/>.</summary>
    public static byte[] Acs(ushort capability = AcsCapability.SourceValidation | AcsCapability.TranslationBlocking | AcsCapability.RequestRedirect | AcsCapability.CompletionRedirect | AcsCapability.UpstreamForwarding, bool enabled = true)
    {
        byte[] b = new byte[4];
        Le16(b, 0, capability);
        Le16(b, 2, enabled ? (ushort)(capability & 0x7F) : (ushort)0);
        return b;
    }

    /// <summary>Device Serial Number (8 bytes after the header).</summary>
    public static byte[] DeviceSerialNumber(ulong serial)
    {
        byte[] b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, serial);
        return b;
    }

    /// <summary>ARI (4 bytes after the header) naming the next function number.</summary>
    public static byte[] Ari(int nextFunction)
    {
        byte[] b = new byte[4];
        Le16(b, 0, (ushort)((nextFunction & 0xFF) << 8));
        return b;
    }

    /// <summary>Latency Tolerance Reporting (4 bytes after the header).</summary>
    public static byte[] Ltr() => new byte[4];

    /// <summary>Secondary PCI Express (8 bytes after the header plus a lane equalization word per lane).</summary>
    public static byte[] SecondaryPcie(int lanes) => new byte[8 + (2 * lanes) + ((lanes & 1) * 2)];

    /// <summary>L1 PM Substates (12 bytes after the header).</summary>
    public static byte[] L1PmSubstates() => new byte[12];

    /// <summary>Resizable BAR with one entry: BAR <paramref name="bar"/>, supported sizes mask (bits 31:4), current size code.</summary>
    public static byte[] ResizableBar(int bar, uint supportedMask, int currentSizeCode)
    {
        byte[] b = new byte[8];
        Le32(b, 0, supportedMask & 0xFFFF_FFF0);
        Le32(b, 4, (uint)(bar & 7) | (1u << 5) | ((uint)(currentSizeCode & 0x3F) << 8));
        return b;
    }

    /// <summary>An extended capability with an all-zero body of <paramref name="bodyLength"/> bytes.</summary>
    public static byte[] Zeroed(int bodyLength) => new byte[bodyLength];

    private static void Le16(byte[] b, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(offset), value);

    private static void Le32(byte[] b, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(offset), value);
}
