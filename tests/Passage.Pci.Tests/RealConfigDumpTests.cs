using System.Globalization;
using System.Text.RegularExpressions;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Pci.Tests;

/// <summary>
/// Real configuration spaces read from sysfs, checked against what <c>lspci -vv -nn</c> printed
/// for the same functions.
/// </summary>
public sealed partial class RealConfigDumpTests
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>lspci's capability names, by the start of the text after the offset.</summary>
    private static readonly (string Prefix, int Id)[] StandardNames =
    [
        ("Power Management version", 0x01),
        ("AGP version", 0x02),
        ("Vital Product Data", 0x03),
        ("Slot ID", 0x04),
        ("MSI-X:", 0x11),
        ("MSI:", 0x05),
        ("CompactPCI hot-swap", 0x06),
        ("PCI-X", 0x07),
        ("HyperTransport", 0x08),
        ("Vendor Specific Information", 0x09),
        ("Debug port", 0x0A),
        ("CompactPCI central resource control", 0x0B),
        ("Hot-plug capable", 0x0C),
        ("Subsystem:", 0x0D),
        ("Secure device", 0x0F),
        ("Express", 0x10),
        ("SATA HBA", 0x12),
        ("PCI Advanced Features", 0x13),
        ("Enhanced Allocation", 0x14),
    ];

    private static readonly (string Prefix, int Id)[] ExtendedNames =
    [
        ("Advanced Error Reporting", 0x01),
        ("Virtual Channel", 0x02),
        ("Device Serial Number", 0x03),
        ("Power Budgeting", 0x04),
        ("Vendor Specific Information", 0x0B),
        ("Access Control Services", 0x0D),
        ("Alternative Routing-ID Interpretation", 0x0E),
        ("Address Translation Service", 0x0F),
        ("Single Root I/O Virtualization", 0x10),
        ("Physical Resizable BAR", 0x15),
        ("Latency Tolerance Reporting", 0x18),
        ("Secondary PCI Express", 0x19),
        ("Process Address Space ID", 0x1B),
        ("Downstream Port Containment", 0x1D),
        ("L1 PM Substates", 0x1E),
        ("Precision Time Measurement", 0x1F),
        ("Designated Vendor-Specific", 0x23),
    ];

    /// <summary>Every fixture stem (<c>vm-00_01.0</c>) with both a config dump and lspci -vv text.</summary>
    public static TheoryData<string> Dumps()
    {
        var data = new TheoryData<string>();
        foreach (string text in Directory.GetFiles(FixtureDirectory, "vm-*.lspci-vv.txt").Order(StringComparer.Ordinal))
        {
            string stem = Path.GetFileName(text)[..^".lspci-vv.txt".Length];
            if (File.Exists(Path.Combine(FixtureDirectory, stem + ".config.bin")))
            {
                data.Add(stem);
            }
        }

        return data;
    }

    [Fact]
    public void Fixtures_DumpsWithLspciText_Present()
    {
        // Six functions of the test VM: the host bridge and five virtio devices.
        Assert.Equal(6, Dumps().Count);
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Lspci_RealDump_ParsedCompletely(string stem)
    {
        // Guards the comparisons below against an lspci parser that silently finds nothing.
        (_, Lspci l) = Load(stem);
        string[] lines = File.ReadAllLines(Path.Combine(FixtureDirectory, stem + ".lspci-vv.txt"));

        Assert.Equal(lines.Count(x => x.StartsWith("\tCapabilities: ", StringComparison.Ordinal)), l.Capabilities.Count);
        Assert.Equal(lines.Count(x => x.StartsWith("\tRegion ", StringComparison.Ordinal)), l.Regions.Count);
        Assert.Equal(l.Status["Cap"], l.Capabilities.Count > 0);
        Assert.Contains("Mem", l.Control.Keys);
        Assert.All(l.Capabilities.Where(c => c.Id == 0x11 && !c.Extended), c => Assert.Equal(2, c.Details.Count));
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Decode_RealDump_IdentityMatchesLspci(string stem)
    {
        (DecodedFunction f, Lspci l) = Load(stem);

        Assert.Equal((l.Vendor, l.Device), ((int)f.Config.VendorId, (int)f.Config.DeviceId));
        Assert.Equal(l.ClassCode, f.Config.ClassCode >> 8);
        Assert.Equal(l.Revision, f.Config.RevisionId);
        if (l.Subsystem is { } s)
        {
            Assert.Equal(s, ((int)f.Config.SubsystemVendorId, (int)f.Config.SubsystemId));
        }
        else
        {
            Assert.True(f.Config.SubsystemVendorId is 0 or 0xFFFF, "lspci prints no subsystem only when it reads 0 or all ones");
        }

        if (l.Latency is { } latency)
        {
            Assert.Equal(latency, f.Config.Read8(ConfigOffsets.LatencyTimer));
        }
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Decode_RealDump_CommandAndStatusMatchLspci(string stem)
    {
        (DecodedFunction f, Lspci l) = Load(stem);
        (string Flag, PciCommand Bit)[] command =
        [
            ("I/O", PciCommand.IoSpace), ("Mem", PciCommand.MemorySpace), ("BusMaster", PciCommand.BusMaster),
            ("SpecCycle", PciCommand.SpecialCycles), ("MemWINV", PciCommand.MemoryWriteInvalidate), ("VGASnoop", PciCommand.VgaPaletteSnoop),
            ("ParErr", PciCommand.ParityErrorResponse), ("Stepping", PciCommand.Stepping), ("SERR", PciCommand.SerrEnable),
            ("FastB2B", PciCommand.FastBackToBack), ("DisINTx", PciCommand.InterruptDisable),
        ];
        (string Flag, PciStatus Bit)[] status =
        [
            ("Cap", PciStatus.CapabilitiesList), ("66MHz", PciStatus.Capable66MHz), ("FastB2B", PciStatus.FastBackToBack),
            ("ParErr", PciStatus.MasterDataParityError), (">TAbort", PciStatus.SignaledTargetAbort), ("<TAbort", PciStatus.ReceivedTargetAbort),
            ("<MAbort", PciStatus.ReceivedMasterAbort), (">SERR", PciStatus.SignaledSystemError), ("<PERR", PciStatus.DetectedParityError),
            ("INTx", PciStatus.InterruptStatus),
        ];

        Assert.All(command, c => Assert.Equal(l.Control[c.Flag], (f.Config.Command & c.Bit) != 0));
        Assert.All(status, s => Assert.Equal(l.Status[s.Flag], (f.Config.Status & s.Bit) != 0));
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Decode_RealDump_CapabilityOffsetsAndIdsMatchLspci(string stem)
    {
        (DecodedFunction f, Lspci l) = Load(stem);

        Assert.Empty(f.Problems);
        Assert.Equal(
            l.Capabilities.Where(c => !c.Extended).Select(c => (c.Offset, c.Id)),
            f.Capabilities.Select(c => (c.Entry.Offset, c.Entry.Id)));
        Assert.Equal(
            l.Capabilities.Where(c => c.Extended).Select(c => (c.Offset, c.Id, c.Version)),
            f.ExtendedCapabilities.Select(c => (c.Entry.Offset, c.Entry.Id, c.Entry.Version)));
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Decode_RealDump_MsixMatchesLspci(string stem)
    {
        (DecodedFunction f, Lspci l) = Load(stem);
        LspciCapability? expected = l.Capabilities.FirstOrDefault(c => c.Id == 0x11 && !c.Extended);
        if (expected is null)
        {
            Assert.Null(f.Msix);
            return;
        }

        Match title = MsixTitle().Match(expected.Text);
        Match table = MsixLocation().Match(expected.Details.Single(d => d.StartsWith("Vector table:", StringComparison.Ordinal)));
        Match pba = MsixLocation().Match(expected.Details.Single(d => d.StartsWith("PBA:", StringComparison.Ordinal)));
        Assert.True(title.Success && table.Success && pba.Success, $"unexpected MSI-X text at [{expected.Offset:x}]");

        MsixCapability msix = f.Msix!;
        Assert.Equal(expected.Offset, msix.Offset);
        Assert.Equal(title.Groups["enable"].Value == "+", msix.Enabled);
        Assert.Equal(int.Parse(title.Groups["count"].Value, CultureInfo.InvariantCulture), msix.TableSize);
        Assert.Equal(title.Groups["masked"].Value == "+", msix.FunctionMasked);
        Assert.Equal(int.Parse(table.Groups["bar"].Value, CultureInfo.InvariantCulture), msix.TableBir);
        Assert.Equal(Hex(table.Groups["offset"].Value), msix.TableBarOffset);
        Assert.Equal(int.Parse(pba.Groups["bar"].Value, CultureInfo.InvariantCulture), msix.PbaBir);
        Assert.Equal(Hex(pba.Groups["offset"].Value), msix.PbaBarOffset);
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Decode_RealDump_VirtioStructuresMatchLspci(string stem)
    {
        (DecodedFunction f, Lspci l) = Load(stem);

        foreach (LspciCapability expected in l.Capabilities.Where(c => c.Text.StartsWith("Vendor Specific Information: VirtIO:", StringComparison.Ordinal)))
        {
            var vendor = Assert.IsType<VendorSpecificCapability>(f.Capabilities.Single(c => c.Entry.Offset == expected.Offset).Decoded);
            Match m = VirtioLocation().Match(expected.Details.Single());
            Assert.True(m.Success, $"unexpected virtio text at [{expected.Offset:x}]");

            VirtioStructure v = vendor.Virtio!;
            Assert.Equal(int.Parse(m.Groups["bar"].Value, CultureInfo.InvariantCulture), v.Bar);
            Assert.Equal(Hex(m.Groups["offset"].Value), v.BarOffset);
            Assert.Equal(Hex(m.Groups["size"].Value), v.Size);
            Assert.Equal(m.Groups["multiplier"].Success ? (uint?)Hex(m.Groups["multiplier"].Value) : null, v.NotifyMultiplier);

            // lspci names virtio types 1-4 and prints "<unknown>" for the rest.
            if (expected.Text.EndsWith("<unknown>", StringComparison.Ordinal))
            {
                Assert.DoesNotContain(v.Type, new byte[] { 1, 2, 3, 4 });
            }
            else
            {
                Assert.Equal(expected.Text, vendor.Title);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Decode_RealDump_BarAddressesMatchLspci(string stem)
    {
        (DecodedFunction f, Lspci l) = Load(stem);

        Assert.Equal(l.Regions.Select(r => r.Index), f.Bars.Select(b => b.Index));
        foreach (LspciRegion r in l.Regions)
        {
            PciBar bar = f.Bars.Single(b => b.Index == r.Index);
            Assert.Equal(r.Kind, bar.Kind);
            Assert.Equal(r.Prefetchable, bar.Prefetchable);
            if (r.Address is { } address)
            {
                Assert.Equal(address, bar.Address);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void ConfigSpace_RealDump_BytesMatchLspciHexDump(string stem)
    {
        string hexPath = Path.Combine(FixtureDirectory, stem + ".lspci-xxxx.txt");
        Assert.True(File.Exists(hexPath), $"{stem} has no lspci -xxxx text");
        ConfigSpace c = new(File.ReadAllBytes(Path.Combine(FixtureDirectory, stem + ".config.bin")));

        int checkedBytes = 0;
        foreach (string line in File.ReadLines(hexPath))
        {
            Match m = HexDumpLine().Match(line);
            if (!m.Success)
            {
                continue;
            }

            int offset = Hex32(m.Groups["offset"].Value);
            string[] bytes = m.Groups["bytes"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < bytes.Length; i++)
            {
                Assert.Equal(Hex32(bytes[i]), c.Read8(offset + i));
                checkedBytes++;
            }
        }

        Assert.Equal(c.Length, checkedBytes);
    }

    private static (DecodedFunction Function, Lspci Text) Load(string stem)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(FixtureDirectory, stem + ".config.bin"));
        return (DecodedFunction.Decode(new ConfigSpace(bytes)), Lspci.Parse(File.ReadAllLines(Path.Combine(FixtureDirectory, stem + ".lspci-vv.txt"))));
    }

    private static uint Hex(string s) => uint.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static int Hex32(string s) => int.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^MSI-X: Enable(?<enable>[+-]) Count=(?<count>\d+) Masked(?<masked>[+-])$")]
    private static partial Regex MsixTitle();

    [GeneratedRegex(@"^(?:Vector table|PBA): BAR=(?<bar>\d) offset=(?<offset>[0-9a-f]{8})$")]
    private static partial Regex MsixLocation();

    [GeneratedRegex(@"^BAR=(?<bar>\d+) offset=(?<offset>[0-9a-f]{8}) size=(?<size>[0-9a-f]{8})(?: multiplier=(?<multiplier>[0-9a-f]{8}))?$")]
    private static partial Regex VirtioLocation();

    [GeneratedRegex(@"^(?<offset>[0-9a-f]{2,3}): (?<bytes>(?:[0-9a-f]{2} ?)+)$")]
    private static partial Regex HexDumpLine();

    [GeneratedRegex(@"^\S+ .*?\[(?<class>[0-9a-f]{4})\]: .*\[(?<vendor>[0-9a-f]{4}):(?<device>[0-9a-f]{4})\](?: \(rev (?<rev>[0-9a-f]{2})\))?")]
    private static partial Regex FirstLine();

    [GeneratedRegex(@"^\tSubsystem: .*\[(?<vendor>[0-9a-f]{4}):(?<device>[0-9a-f]{4})\]$")]
    private static partial Regex SubsystemLine();

    [GeneratedRegex(@"^\tRegion (?<index>\d): (?<kind>Memory|I/O ports) at (?<address>[0-9a-f]+|<[a-z]+>)(?: \((?<attributes>[^)]*)\))?")]
    private static partial Regex RegionLine();

    [GeneratedRegex(@"^\tCapabilities: \[(?<offset>[0-9a-f]+)(?: v(?<version>\d+))?\] (?<text>.*)$")]
    private static partial Regex CapabilityLine();

    [GeneratedRegex(@"^#(?<id>[0-9a-f]{2})")]
    private static partial Regex UnknownStandardName();

    /// <summary>A capability as lspci listed it.</summary>
    private sealed record LspciCapability(int Offset, bool Extended, int Version, int Id, string Text, List<string> Details);

    /// <summary>A BAR as lspci listed it; the address is null when lspci printed none.</summary>
    private sealed record LspciRegion(int Index, BarKind Kind, bool Prefetchable, ulong? Address);

    /// <summary>The parts of <c>lspci -vv -nn</c> output for one function that the decoder is checked against.</summary>
    private sealed class Lspci
    {
        public int Vendor { get; private set; }

        public int Device { get; private set; }

        public int ClassCode { get; private set; }

        public int Revision { get; private set; }

        public (int Vendor, int Device)? Subsystem { get; private set; }

        public int? Latency { get; private set; }

        public Dictionary<string, bool> Control { get; } = [];

        public Dictionary<string, bool> Status { get; } = [];

        public List<LspciRegion> Regions { get; } = [];

        public List<LspciCapability> Capabilities { get; } = [];

        public static Lspci Parse(string[] lines)
        {
            var l = new Lspci();
            Match first = FirstLine().Match(lines[0]);
            Assert.True(first.Success, $"unexpected first line: {lines[0]}");
            l.Vendor = Hex32(first.Groups["vendor"].Value);
            l.Device = Hex32(first.Groups["device"].Value);
            l.ClassCode = Hex32(first.Groups["class"].Value);
            l.Revision = first.Groups["rev"].Success ? Hex32(first.Groups["rev"].Value) : 0;

            foreach (string line in lines.Skip(1))
            {
                Match m;
                if (line.StartsWith("\t\t", StringComparison.Ordinal))
                {
                    if (l.Capabilities.Count > 0)
                    {
                        l.Capabilities[^1].Details.Add(line.Trim());
                    }
                }
                else if ((m = SubsystemLine().Match(line)).Success)
                {
                    l.Subsystem = (Hex32(m.Groups["vendor"].Value), Hex32(m.Groups["device"].Value));
                }
                else if (line.StartsWith("\tControl: ", StringComparison.Ordinal))
                {
                    Flags(line, l.Control);
                }
                else if (line.StartsWith("\tStatus: ", StringComparison.Ordinal))
                {
                    Flags(line, l.Status);
                }
                else if (line.StartsWith("\tLatency: ", StringComparison.Ordinal))
                {
                    l.Latency = int.Parse(line["\tLatency: ".Length..].Split(',')[0], CultureInfo.InvariantCulture);
                }
                else if ((m = RegionLine().Match(line)).Success)
                {
                    string attributes = m.Groups["attributes"].Value;
                    BarKind kind = m.Groups["kind"].Value == "I/O ports" ? BarKind.Io
                        : attributes.Contains("64-bit", StringComparison.Ordinal) ? BarKind.Mem64 : BarKind.Mem32;
                    string address = m.Groups["address"].Value;
                    l.Regions.Add(new LspciRegion(
                        int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture),
                        kind,
                        attributes.Split(", ").Contains("prefetchable"),
                        address.StartsWith('<') ? null : ulong.Parse(address, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)));
                }
                else if ((m = CapabilityLine().Match(line)).Success)
                {
                    int offset = Hex32(m.Groups["offset"].Value);
                    bool extended = offset >= ConfigOffsets.ExtendedCapabilitiesStart;
                    string text = m.Groups["text"].Value;
                    int version = m.Groups["version"].Success ? int.Parse(m.Groups["version"].Value, CultureInfo.InvariantCulture) : 0;
                    l.Capabilities.Add(new LspciCapability(offset, extended, version, IdOf(text, extended), text, []));
                }
            }

            return l;
        }

        private static void Flags(string line, Dictionary<string, bool> into)
        {
            foreach (string token in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Length > 1 && token[^1] is '+' or '-')
                {
                    into[token[..^1]] = token[^1] == '+';
                }
            }
        }

        private static int IdOf(string text, bool extended)
        {
            Match unknown = UnknownStandardName().Match(text);
            if (!extended && unknown.Success)
            {
                return Hex32(unknown.Groups["id"].Value);
            }

            foreach ((string prefix, int id) in extended ? ExtendedNames : StandardNames)
            {
                if (text.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return id;
                }
            }

            Assert.Fail($"no capability ID known for lspci's \"{text}\"");
            return -1;
        }
    }
}
