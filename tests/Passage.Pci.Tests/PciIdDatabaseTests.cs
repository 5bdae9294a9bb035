using Passage.Pci.Decoding;

namespace Passage.Pci.Tests;

public sealed class PciIdDatabaseTests
{
    private static readonly string Sample = string.Join(
        "\n",
        "# pci.ids sample",
        "#\twith a comment that is indented",
        "",
        "1af4  Red Hat, Inc.",
        "\t1041  Virtio 1.0 network device",
        "\t\t1af4 1100  QEMU Virtual Machine",
        "# comment between entries",
        "\t1042  Virtio 1.0 block device",
        "8086  Intel Corporation",
        "\t0d57  Example bridge \t ",
        "\t\t8086 1   Short subsystem device",
        "\t\t8086 0001Glued name",
        "\t\t\t8086 0002  Too deep",
        "\t\t8086 0003  Good subsystem",
        "\tzz00  Broken device id",
        "\t\t1234 5678  Under a broken device",
        "\t12345  Id too long",
        "\t0001",
        "zz12  Broken vendor",
        "\t0002  Orphan device",
        "abcd",
        "\t0003  Device of a nameless vendor",
        "X 00  Unknown section",
        "\t0004  Line in an unknown section",
        "    1043  Spaces instead of a tab",
        "C 01  Mass storage controller",
        "\t08  Non-Volatile memory controller",
        "\t\t02  NVM Express",
        "C 0c  Serial bus controller",
        "\t03  USB controller",
        "\t\t30  XHCI",
        "\tzz  Broken sub-class",
        "\t\t40  Under a broken sub-class",
        "C ff  Unassigned class");

    private static readonly PciIdDatabase Db = PciIdDatabase.Parse(new StringReader(Sample));

    [Theory]
    [InlineData(0x1af4, "Red Hat, Inc.")] // first vendor
    [InlineData(0x8086, "Intel Corporation")] // second vendor
    [InlineData(0x10de, null)] // not listed
    [InlineData(0xabcd, null)] // vendor line without a name
    public void VendorName_Sample_ReturnsListedName(int vendor, string? expected)
    {
        Assert.Equal(expected, Db.VendorName((ushort)vendor));
    }

    [Theory]
    [InlineData(0x1af4, 0x1041, "Virtio 1.0 network device")] // first device
    [InlineData(0x1af4, 0x1042, "Virtio 1.0 block device")] // after a comment line
    [InlineData(0x8086, 0x0d57, "Example bridge")] // trailing blanks trimmed
    [InlineData(0x8086, 0x1041, null)] // device id of another vendor
    [InlineData(0x1af4, 0x0002, null)] // orphan under a broken vendor does not attach to the vendor before
    [InlineData(0x8086, 0x0002, null)] // nor to the last good vendor
    [InlineData(0xabcd, 0x0003, null)] // nameless vendor keeps no devices
    [InlineData(0x8086, 0x0004, null)] // lines in an unknown section are ignored
    [InlineData(0x8086, 0x1043, null)] // space indentation is not a device line
    [InlineData(0x8086, 0x0001, null)] // device without a name
    [InlineData(0x8086, 0x1234, null)] // five-digit device id
    public void DeviceName_Sample_ReturnsListedName(int vendor, int device, string? expected)
    {
        Assert.Equal(expected, Db.DeviceName((ushort)vendor, (ushort)device));
    }

    [Theory]
    [InlineData(0x1af4, 0x1041, 0x1af4, 0x1100, "QEMU Virtual Machine")] // listed subsystem
    [InlineData(0x1af4, 0x1042, 0x1af4, 0x1100, null)] // same ids under another device
    [InlineData(0x1af4, 0x1041, 0x1af4, 0x1101, null)] // other subsystem device
    [InlineData(0x8086, 0x0d57, 0x1234, 0x5678, null)] // under a broken device line, not the good one before it
    [InlineData(0x8086, 0x0d57, 0x8086, 0x0002, null)] // three tabs deep
    [InlineData(0x8086, 0x0d57, 0x8086, 0x0001, null)] // short or glued subsystem device ids
    [InlineData(0x8086, 0x0d57, 0x8086, 0x0003, "Good subsystem")] // well-formed line after the broken ones
    public void SubsystemName_Sample_ReturnsListedName(int vendor, int device, int subVendor, int subDevice, string? expected)
    {
        Assert.Equal(expected, Db.SubsystemName((ushort)vendor, (ushort)device, (ushort)subVendor, (ushort)subDevice));
    }

    [Theory]
    [InlineData(0x010802, "NVM Express")] // prog-if is the most specific
    [InlineData(0x010801, "Non-Volatile memory controller")] // unknown prog-if falls back to the sub-class
    [InlineData(0x010600, "Mass storage controller")] // unknown sub-class falls back to the class
    [InlineData(0x0c0330, "XHCI")] // second class section
    [InlineData(0x0c0340, "USB controller")] // prog-if under a broken sub-class does not attach to the one before
    [InlineData(0xffff00, "Unassigned class")] // class without sub-classes
    [InlineData(0x020000, null)] // base class not listed
    public void ClassName_Sample_ReturnsMostSpecificName(int classCode, string? expected)
    {
        Assert.Equal(expected, Db.ClassName(classCode));
    }

    [Theory]
    [InlineData(0x010802, "Non-Volatile memory controller")] // prog-if ignored
    [InlineData(0x010600, "Mass storage controller")] // unknown sub-class falls back to the class
    [InlineData(0x020000, null)] // base class not listed
    public void SubClassName_Sample_IgnoresProgIf(int classCode, string? expected)
    {
        Assert.Equal(expected, Db.SubClassName(classCode));
    }

    [Theory]
    [InlineData(0x010802, "NVM Express")] // listed prog-if
    [InlineData(0x010801, null)] // unlisted prog-if
    public void ProgIfName_Sample_ReturnsOnlyTheProgIf(int classCode, string? expected)
    {
        Assert.Equal(expected, Db.ProgIfName(classCode));
    }

    [Theory]
    [InlineData(-1)] // negative
    [InlineData(0x1000000)] // wider than 24 bits
    public void ClassName_OutOfRange_Throws(int classCode)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Db.ClassName(classCode));
    }

    [Fact]
    public void Parse_Sample_CountsOnlyWellFormedEntries()
    {
        Assert.Equal(2, Db.VendorCount);
        Assert.Equal(3, Db.DeviceCount);
    }

    [Fact]
    public void Parse_BinaryGarbage_ReturnsEmptyDatabase()
    {
        string garbage = new(Enumerable.Range(0, 2000).Select(i => (char)((i * 37) % 128)).ToArray());

        PciIdDatabase db = PciIdDatabase.Parse(new StringReader(garbage));

        Assert.Equal(0, db.DeviceCount);
    }

    [Fact]
    public void TryLoad_MissingFile_ReturnsNull()
    {
        Assert.Null(PciIdDatabase.TryLoad(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "pci.ids")));
    }

    [Fact]
    public void TryLoad_Directory_ReturnsNull()
    {
        Assert.Null(PciIdDatabase.TryLoad(AppContext.BaseDirectory));
    }

    [Fact]
    public void TryLoad_EmptyPath_ReturnsNull()
    {
        Assert.Null(PciIdDatabase.TryLoad(""));
    }

    [Fact]
    public void TryLoad_SampleFile_ReadsNames()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Sample);

            PciIdDatabase? db = PciIdDatabase.TryLoad(path);

            Assert.NotNull(db);
            Assert.Equal("XHCI", db.ClassName(0x0c0330));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryLoadFirst_SkipsMissingAndUnreadablePaths_LoadsFirstGoodOne()
    {
        string dir = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string first = Path.Combine(dir, "first.ids");
            string second = Path.Combine(dir, "second.ids");
            File.WriteAllText(first, "1111  First\n");
            File.WriteAllText(second, "2222  Second\n");

            PciIdDatabase? db = PciIdDatabase.TryLoadFirst([Path.Combine(dir, "missing.ids"), dir, first, second]);

            Assert.NotNull(db);
            Assert.Equal("First", db.VendorName(0x1111));
            Assert.Null(db.VendorName(0x2222));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TryLoadFirst_NoPathExists_ReturnsNull()
    {
        Assert.Null(PciIdDatabase.TryLoadFirst([Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))]));
    }

    [Fact]
    public void TryLoadSystem_InstalledFile_ResolvesWellKnownIds()
    {
        if (!PciIdDatabase.SystemPaths.Any(File.Exists))
        {
            Assert.Skip($"no pci.ids installed (looked in {string.Join(", ", PciIdDatabase.SystemPaths)})");
        }

        PciIdDatabase? db = PciIdDatabase.TryLoadSystem();

        Assert.NotNull(db);
        Assert.True(db.VendorCount > 1000, $"only {db.VendorCount} vendors read");
        Assert.True(db.DeviceCount > 10000, $"only {db.DeviceCount} devices read");
        Assert.Equal("Intel Corporation", db.VendorName(0x8086));
        Assert.Equal("Virtio 1.0 network device", db.DeviceName(0x1af4, 0x1041));
        Assert.Equal("XHCI", db.ClassName(0x0c0330));
        Assert.Equal("Ethernet controller", db.ClassName(0x020000));
    }
}
