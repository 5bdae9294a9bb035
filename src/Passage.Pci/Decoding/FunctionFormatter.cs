using System.Globalization;
using Passage.Pci.Capabilities;

namespace Passage.Pci.Decoding;

/// <summary>
/// Writes a decoded function for people, in a layout close to <c>lspci -vv</c>: header line,
/// Command/Status flags, BARs, bridge windows, both capability lists with their contents, and a
/// note wherever a list was broken.
/// </summary>
public static class FunctionFormatter
{
    /// <summary>Writes <paramref name="function"/> to <paramref name="output"/>.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="function">The decoded function.</param>
    /// <param name="names">Names for its class and IDs.</param>
    /// <param name="address">Address text for the first line (null for an anonymous dump).</param>
    /// <param name="trailer">Extra indented lines after the capabilities (driver, group, verdict…).</param>
    public static void Write(TextWriter output, DecodedFunction function, FunctionNames names, string? address, IEnumerable<string>? trailer = null)
    {
        ConfigSpace c = function.Config;
        string ids = $"[{c.VendorId:x4}:{c.DeviceId:x4}]";
        string vendor = names.VendorName ?? "Vendor";
        string device = names.DeviceName ?? "Device";
        string rev = c.RevisionId != 0 ? $" (rev {c.RevisionId:x2})" : string.Empty;
        string progIf = (c.ClassCode & 0xFF) != 0 ? $" (prog-if {c.ClassCode & 0xFF:x2})" : string.Empty;
        output.WriteLine($"{(address is null ? string.Empty : address + " ")}{names.ClassName} [{c.ClassCode >> 8:x4}]: {vendor} {device} {ids}{rev}{progIf}");

        if (c.Layout == HeaderLayout.Endpoint && (c.SubsystemVendorId | c.SubsystemId) != 0)
        {
            output.WriteLine($"\tSubsystem: {names.SubsystemName ?? "Device"} [{c.SubsystemVendorId:x4}:{c.SubsystemId:x4}]");
        }

        PciCommand cmd = c.Command;
        output.WriteLine("\tControl: " + string.Join(' ',
            Flag("I/O", cmd.HasFlag(PciCommand.IoSpace)), Flag("Mem", cmd.HasFlag(PciCommand.MemorySpace)), Flag("BusMaster", cmd.HasFlag(PciCommand.BusMaster)),
            Flag("SpecCycle", cmd.HasFlag(PciCommand.SpecialCycles)), Flag("MemWINV", cmd.HasFlag(PciCommand.MemoryWriteInvalidate)), Flag("VGASnoop", cmd.HasFlag(PciCommand.VgaPaletteSnoop)),
            Flag("ParErr", cmd.HasFlag(PciCommand.ParityErrorResponse)), Flag("Stepping", cmd.HasFlag(PciCommand.Stepping)), Flag("SERR", cmd.HasFlag(PciCommand.SerrEnable)),
            Flag("FastB2B", cmd.HasFlag(PciCommand.FastBackToBack)), Flag("DisINTx", cmd.HasFlag(PciCommand.InterruptDisable))));
        PciStatus st = c.Status;
        string devsel = ((int)(st & PciStatus.DevselMask) >> 9) switch { 0 => "fast", 1 => "medium", 2 => "slow", _ => "??" };
        output.WriteLine("\tStatus: " + string.Join(' ',
            Flag("Cap", st.HasFlag(PciStatus.CapabilitiesList)), Flag("66MHz", st.HasFlag(PciStatus.Capable66MHz)), Flag("UDF", ((ushort)st & 0x40) != 0),
            Flag("FastB2B", st.HasFlag(PciStatus.FastBackToBack)), Flag("ParErr", st.HasFlag(PciStatus.MasterDataParityError)), $"DEVSEL={devsel}",
            Flag(">TAbort", st.HasFlag(PciStatus.SignaledTargetAbort)), Flag("<TAbort", st.HasFlag(PciStatus.ReceivedTargetAbort)),
            Flag("<MAbort", st.HasFlag(PciStatus.ReceivedMasterAbort)), Flag(">SERR", st.HasFlag(PciStatus.SignaledSystemError)),
            Flag("<PERR", st.HasFlag(PciStatus.DetectedParityError)), Flag("INTx", st.HasFlag(PciStatus.InterruptStatus))));

        if (cmd.HasFlag(PciCommand.BusMaster))
        {
            output.WriteLine($"\tLatency: {c.Read8(ConfigOffsets.LatencyTimer)}");
        }

        if (c.InterruptPin is >= 1 and <= 4)
        {
            output.WriteLine($"\tInterrupt: pin {(char)('A' + c.InterruptPin - 1)} routed to IRQ {c.InterruptLine}");
        }

        if (function.Bridge is { } bridge)
        {
            output.WriteLine($"\tBus: primary={bridge.PrimaryBus:x2}, secondary={bridge.SecondaryBus:x2}, subordinate={bridge.SubordinateBus:x2}, sec-latency={bridge.SecondaryLatency}");
        }

        foreach (PciBar bar in function.Bars)
        {
            output.WriteLine("\t" + DescribeBar(bar));
        }

        if (function.Bridge is { } windows)
        {
            output.WriteLine($"\tI/O behind bridge: {Window(windows.IoBase, windows.IoLimit, 4)}");
            output.WriteLine($"\tMemory behind bridge: {Window(windows.MemoryBase, windows.MemoryLimit, 8)}");
            output.WriteLine($"\tPrefetchable memory behind bridge: {Window(windows.PrefetchableBase, windows.PrefetchableLimit, 16)}");
            output.WriteLine($"\tBridgeCtl: SecondaryBusReset{(windows.BridgeControl & ConfigOffsets.BridgeControlSecondaryBusReset) switch { 0 => "-", _ => "+" }}");
        }

        if (function.Rom is { } rom)
        {
            output.WriteLine($"\tExpansion ROM at {rom.Address:x8}{(rom.Enabled ? string.Empty : " [disabled]")}{(rom.Size is { } s ? $" [size={Size(s)}]" : string.Empty)}");
        }

        foreach (DecodedCapability cap in function.Capabilities.Concat(function.ExtendedCapabilities))
        {
            string offset = cap.Entry.Extended ? cap.Entry.Offset.ToString("x3", CultureInfo.InvariantCulture) : cap.Entry.Offset.ToString("x2", CultureInfo.InvariantCulture);
            string version = cap.Entry.Extended ? $" v{cap.Entry.Version}" : string.Empty;
            string title = cap.Decoded?.Title ?? $"{cap.Name}{(CapabilityNamesKnown(cap.Entry) ? string.Empty : $" <?>")}";
            output.WriteLine($"\tCapabilities: [{offset}{version}] {title}");
            foreach (string line in cap.Decoded?.Details ?? [])
            {
                output.WriteLine("\t\t" + line);
            }
        }

        foreach (ChainProblem problem in function.Problems)
        {
            output.WriteLine($"\tCapabilities: <{problem.Code}> {problem.Message}");
        }

        foreach (string line in trailer ?? [])
        {
            output.WriteLine("\t" + line);
        }
    }

    /// <summary>One BAR as lspci prints it, e.g. <c>Region 0: Memory at 4000000000 (64-bit, non-prefetchable) [size=512K]</c>.</summary>
    public static string DescribeBar(PciBar bar)
    {
        string size = bar.Size is { } s ? $" [size={Size(s)}]" : string.Empty;
        return bar.Kind == BarKind.Io
            ? $"Region {bar.Index}: I/O ports at {bar.Address:x}{size}"
            : $"Region {bar.Index}: Memory at {bar.Address:x} ({(bar.Kind == BarKind.Mem64 ? "64-bit" : "32-bit")}, {(bar.Prefetchable ? "prefetchable" : "non-prefetchable")}){size}";
    }

    /// <summary>A byte count as lspci prints sizes: 512K, 16M, 2G, or plain bytes.</summary>
    public static string Size(ulong bytes) => bytes switch
    {
        0 => "0",
        _ when bytes % (1UL << 30) == 0 => $"{bytes >> 30}G",
        _ when bytes % (1UL << 20) == 0 => $"{bytes >> 20}M",
        _ when bytes % (1UL << 10) == 0 => $"{bytes >> 10}K",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };

    private static bool CapabilityNamesKnown(CapabilityEntry e) =>
        e.Extended ? CapabilityNames.IsKnownExtended(e.Id) : CapabilityNames.IsKnownStandard(e.Id);

    private static string Window(ulong? start, ulong? end, int digits) => start is { } s && end is { } e
        ? $"{s.ToString("x" + digits, CultureInfo.InvariantCulture)}-{e.ToString("x" + digits, CultureInfo.InvariantCulture)} [size={Size(e - s + 1)}]"
        : "[disabled]";

    private static string Flag(string name, bool set) => name + (set ? "+" : "-");
}
