using System.Text;
using Passage.Pci.Decoding;

namespace Passage.Pci.Tests;

public sealed class ConfigDumpReaderTests
{
    private static readonly int[] DumpSizes = [64, 256, 4096];

    [Theory]
    [InlineData("vm-00_00.0", "00:00.0", "Host bridge: Intel Corporation Device 0d57", 4096)] // -xxxx with extended space
    [InlineData("vm-00_01.0", "00:01.0", "Unassigned class [ffff]: Red Hat, Inc. Virtio 1.0 memory balloon (rev 01)", 256)] // conventional only
    [InlineData("vm-00_02.0", "00:02.0", "Mass storage controller: Red Hat, Inc. Virtio 1.0 block device (rev 01)", 256)] // block device
    [InlineData("vm-00_03.0", "00:03.0", "Ethernet controller: Red Hat, Inc. Virtio 1.0 network device (rev 01)", 256)] // network device
    [InlineData("vm-00_04.0", "00:04.0", "Unassigned class [ffff]: Red Hat, Inc. Virtio 1.0 socket (rev 01)", 256)] // vsock
    [InlineData("vm-00_05.0", "00:05.0", "Unassigned class [ffff]: Red Hat, Inc. Virtio 1.0 RNG (rev 01)", 256)] // RNG
    public void Read_LspciFixture_MatchesBinaryCapture(string name, string address, string title, int length)
    {
        byte[] expected = Fixture(name + ".config.bin");

        IReadOnlyList<ConfigDump> dumps = ConfigDumpReader.Read(Fixture(name + ".lspci-xxxx.txt"));

        ConfigDump dump = Assert.Single(dumps);
        Assert.Equal(PciAddress.Parse(address), dump.Address);
        Assert.Equal(title, dump.Title);
        Assert.Equal(length, dump.Config.Length);
        Assert.Equal(expected, dump.Config.Bytes.ToArray());
    }

    [Theory]
    [InlineData("vm-00_00.0", 4096, 0x8086)] // PCIe capture of the host bridge
    [InlineData("vm-00_03.0", 256, 0x1af4)] // conventional capture of a virtio device
    public void Read_BinaryFixture_ReturnsOneDumpWithoutAddress(string name, int length, int vendor)
    {
        byte[] bytes = Fixture(name + ".config.bin");

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(bytes));

        Assert.Null(dump.Address);
        Assert.Null(dump.Title);
        Assert.Equal(length, dump.Config.Length);
        Assert.Equal(vendor, dump.Config.VendorId);
        Assert.Equal(bytes, dump.Config.Bytes.ToArray());
    }

    [Theory]
    [InlineData(64)] // header only (lspci -x equivalent)
    [InlineData(256)] // conventional space
    [InlineData(4096)] // extended space
    public void Read_BinaryOfDumpSize_ReturnsBytesUnchanged(int length)
    {
        byte[] bytes = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(bytes.AsSpan()));

        Assert.Null(dump.Address);
        Assert.Equal(bytes, dump.Config.Bytes.ToArray());
    }

    [Theory]
    [InlineData(1)] // a single byte
    [InlineData(63)] // one short of the header
    [InlineData(65)] // one past the header
    [InlineData(255)] // one short of conventional space
    [InlineData(257)] // one past conventional space
    [InlineData(4095)] // one short of extended space
    [InlineData(4097)] // one past extended space
    [InlineData(8192)] // two functions' worth
    public void Read_BinaryOfOtherSize_ThrowsNamingLengthAndAcceptedSizes(int length)
    {
        byte[] bytes = new byte[length];

        ConfigDumpException e = Assert.Throws<ConfigDumpException>(() => ConfigDumpReader.Read(bytes));

        Assert.Contains($"{length} bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("64, 256 or 4096", e.Message, StringComparison.Ordinal);
        Assert.Null(e.LineNumber);
    }

    [Fact]
    public void Read_NullArray_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => ConfigDumpReader.Read((byte[])null!));
    }

    [Fact]
    public void Read_MultiDeviceText_ReturnsEveryDeviceInOrder()
    {
        string text = FixtureText("vm-00_03.0.lspci-xxxx.txt") + FixtureText("vm-00_00.0.lspci-xxxx.txt") + Expand("@00\n@10\n@20\n@30\n");

        IReadOnlyList<ConfigDump> dumps = ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text));

        Assert.Equal(3, dumps.Count);
        Assert.Equal(PciAddress.Parse("00:03.0"), dumps[0].Address);
        Assert.Equal(Fixture("vm-00_03.0.config.bin"), dumps[0].Config.Bytes.ToArray());
        Assert.Equal(PciAddress.Parse("00:00.0"), dumps[1].Address);
        Assert.Equal(Fixture("vm-00_00.0.config.bin"), dumps[1].Config.Bytes.ToArray());
        Assert.Null(dumps[2].Address);
        Assert.Equal(64, dumps[2].Config.Length);
    }

    [Fact]
    public void Read_HeaderWithDomain_ParsesSegment()
    {
        string text = Expand("0001:02:03.4 Non-Volatile memory controller: Example\n@00\n@10\n@20\n@30\n");

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(new PciAddress(1, 2, 3, 4), dump.Address);
        Assert.Equal("Non-Volatile memory controller: Example", dump.Title);
    }

    [Fact]
    public void Read_HeaderWithoutTitle_HasNullTitle()
    {
        string text = Expand("00:1f.2\n@00\n@10\n@20\n@30\n");

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(PciAddress.Parse("00:1f.2"), dump.Address);
        Assert.Null(dump.Title);
    }

    [Fact]
    public void Read_HexLinesWithoutHeader_ReturnsBytesInOrder()
    {
        string text = Expand("@00\n@10\n@20\n@30");

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Null(dump.Address);
        Assert.Null(dump.Title);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray(), dump.Config.Bytes.ToArray());
    }

    [Fact]
    public void Read_CrLfLineEndsAndUpperCaseHex_Parses()
    {
        string text = Expand("00:03.0 Ethernet controller: Example\r\n@00\r\n@10\r\n@20\r\n@30\r\n").ToUpperInvariant();

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(PciAddress.Parse("00:03.0"), dump.Address);
        Assert.Equal("ETHERNET CONTROLLER: EXAMPLE", dump.Title);
        Assert.Equal(0x0F, dump.Config.Read8(0x0F));
        Assert.Equal(0x3F, dump.Config.Read8(0x3F));
    }

    [Fact]
    public void Read_HeaderRightAfterHexLines_StartsNextDevice()
    {
        string text = Expand("00:01.0 A\n@00\n@10\n@20\n@30\n00:02.0 B\n@00\n@10\n@20\n@30\n");

        IReadOnlyList<ConfigDump> dumps = ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text));

        Assert.Equal(["0000:00:01.0", "0000:00:02.0"], dumps.Select(d => d.Address.ToString()));
    }

    [Fact]
    public void Read_TextOfBinarySizeThatParses_PrefersText()
    {
        string body = Expand("@00\n@10\n@20\n@30\n");
        string header = "00:03.0 ";
        string text = header + new string('x', 256 - body.Length - header.Length - 1) + "\n" + body;
        Assert.Equal(256, text.Length);

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(PciAddress.Parse("00:03.0"), dump.Address);
        Assert.Equal(64, dump.Config.Length);
    }

    [Fact]
    public void Read_PrintableBinaryOfDumpSizeThatFailsAsText_ReadsAsBinary()
    {
        // Starts like a hex line but is not one; 64 printable bytes must still be a capture.
        byte[] bytes = Encoding.ASCII.GetBytes(("00: 11 22 33" + new string('A', 64)).Substring(0, 64));

        ConfigDump dump = Assert.Single(ConfigDumpReader.Read(bytes));

        Assert.Null(dump.Address);
        Assert.Equal(bytes, dump.Config.Bytes.ToArray());
    }

    [Fact]
    public void Read_MoreThan4096Bytes_ThrowsAtExtraLine()
    {
        var text = new StringBuilder("00:00.0 Host bridge\n");
        for (int offset = 0; offset < 4096; offset += 16)
        {
            text.Append(HexLine(offset)).Append('\n');
        }

        text.Append(HexLine(0xff0)).Append('\n');

        ConfigDumpException e = Assert.Throws<ConfigDumpException>(() => ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text.ToString())));

        Assert.Equal(258, e.LineNumber);
        Assert.StartsWith("line 258: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("beyond 4096 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:03.0 Eth\n@00\n10: 00 01 zz 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n@20\n@30\n", 3, "byte 3 'zz' is not two hex digits")] // bad hex byte
    [InlineData("00:03.0 Eth\n@00\n@10\n20: 00 01 002 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n@30\n", 4, "byte 3 '002' is not two hex digits")] // three-digit byte
    [InlineData("00:03.0 Eth\n@00\n10: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n@20\n@30\n", 3, "expected 16 hex bytes after offset 10, found 15")] // 15 bytes
    [InlineData("00:03.0 Eth\n@00\n@10\n@20\n30: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10\n", 5, "expected 16 hex bytes after offset 30, found 17")] // 17 bytes
    [InlineData("00:03.0 Eth\n@00\n@10\n@30\n@40\n", 4, "expected offset 20 after the previous line, found 30")] // gap in offsets
    [InlineData("00:03.0 Eth\n@00\n@20\n@10\n@30\n", 3, "expected offset 10 after the previous line, found 20")] // out of order
    [InlineData("00:03.0 Eth\n@10\n@20\n@30\n@40\n", 2, "offsets must start at 00, found 10")] // does not start at 0
    [InlineData("00:03.0 Eth\n@00\n@10\n@20\n@30\n@40\n\n", 6, "ends after 80 bytes")] // wrong total
    [InlineData("@00\n@10\n@20\n", 3, "dump starting at line 1 ends after 48 bytes")] // wrong total without header
    [InlineData("00:03.0 Eth\n@00\n@10\n@20\n@30\nfoo bar\n", 6, "found 'foo bar'")] // trailing garbage line
    [InlineData("00:03.0 Eth\n@00\n@10\n@20\n@30\n\n00:04.0 Eth\n@00\n@10\n\n", 9, "dump of 0000:00:04.0 starting at line 7 ends after 32 bytes")] // second device short
    [InlineData("00:03.0 Eth\n\n@00\n@10\n@20\n@30\n", 1, "device header has no hex lines")] // header separated from its lines
    [InlineData("00:03.0 Eth\n00:04.0 Eth\n@00\n@10\n@20\n@30\n", 1, "device header has no hex lines")] // two headers in a row
    [InlineData("00:03.0 Eth\n@00\n@10\n@20\n@30\n\tCapabilities: [40] MSI-X\n", 6, "expected a device header")] // lspci -v detail line
    [InlineData("00:03.0 Eth\n@00\n00:f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00\n", 3, "found '00:f4 1a 41 10")] // missing blank after the offset
    [InlineData("00:03.0 Eth\n@00\n@10\n@20\n@30\n1000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n", 6, "expected a device header")] // four-digit offset
    public void Read_MalformedText_ThrowsWithLineNumber(string template, int line, string fragment)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Expand(template));
        Assert.DoesNotContain(bytes.Length, DumpSizes); // a binary size would fall back to binary

        ConfigDumpException e = Assert.Throws<ConfigDumpException>(() => ConfigDumpReader.Read(bytes));

        Assert.Equal(line, e.LineNumber);
        Assert.StartsWith($"line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 1, "the input is empty")] // empty file
    [InlineData("\n  \n\t\n", 1, "only blank lines")] // blank lines only
    [InlineData("hello world\n", 1, "found 'hello world'")] // printable text that is no dump
    [InlineData("\n\nVendor: 8086\n", 3, "found 'Vendor: 8086'")] // first non-blank line is not a dump line
    public void Read_TextThatIsNoDump_ThrowsWithLineNumber(string text, int line, string fragment)
    {
        ConfigDumpException e = Assert.Throws<ConfigDumpException>(() => ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(line, e.LineNumber);
        Assert.StartsWith($"line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LongGarbageLine_QuotesOnlyItsStart()
    {
        string text = Expand("@00\n@10\n@20\n@30\n") + new string('q', 500) + "\n";

        ConfigDumpException e = Assert.Throws<ConfigDumpException>(() => ConfigDumpReader.Read(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(5, e.LineNumber);
        Assert.Contains(new string('q', 40) + "...'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('q', 41), e.Message, StringComparison.Ordinal);
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    private static string FixtureText(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>Replaces each <c>@xx</c> with a well-formed hex line at offset xx holding the bytes of that offset.</summary>
    private static string Expand(string template)
    {
        var result = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] == '@')
            {
                result.Append(HexLine(Convert.ToInt32(template.Substring(i + 1, 2), 16)));
                i += 2;
            }
            else
            {
                result.Append(template[i]);
            }
        }

        return result.ToString();
    }

    private static string HexLine(int offset) =>
        $"{offset:x2}: " + string.Join(' ', Enumerable.Range(offset, 16).Select(b => ((byte)b).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
