using Passage.Pci.Decoding;

namespace Passage.Pci.Tests;

public sealed class ClassCodesTests
{
    [Theory]
    [InlineData(0x010000, "SCSI storage controller")] // storage
    [InlineData(0x010601, "SATA controller")] // AHCI prog-if does not change the name
    [InlineData(0x010802, "Non-Volatile memory controller")] // NVMe
    [InlineData(0x018000, "Mass storage controller")] // other storage, as virtio-blk reports
    [InlineData(0x020000, "Ethernet controller")] // virtio-net
    [InlineData(0x028000, "Network controller")] // other network, e.g. Wi-Fi
    [InlineData(0x030000, "VGA compatible controller")] // display
    [InlineData(0x030200, "3D controller")] // compute GPUs
    [InlineData(0x040300, "Audio device")] // HD Audio
    [InlineData(0x060000, "Host bridge")] // root complex
    [InlineData(0x060100, "ISA bridge")] // LPC
    [InlineData(0x060400, "PCI bridge")] // root and switch ports
    [InlineData(0x060401, "PCI bridge")] // subtractive decode prog-if
    [InlineData(0x0c0330, "USB controller")] // xHCI
    [InlineData(0x0c0500, "SMBus")] // SMBus
    [InlineData(0x0d8000, "Wireless controller")] // other wireless
    [InlineData(0x088000, "System peripheral")] // lspci's wording for 0880
    [InlineData(0x080700, "Root Complex Event Collector")] // specification-only sub-class
    [InlineData(0x0c0a00, "MIPI I3C host controller")] // specification-only sub-class
    [InlineData(0x120000, "Processing accelerators")] // accelerators
    [InlineData(0x130000, "Non-Essential Instrumentation")] // newest base class
    public void Name_KnownSubClass_ReturnsSubClassName(int classCode, string expected)
    {
        Assert.Equal(expected, ClassCodes.Name(classCode));
    }

    [Theory]
    [InlineData(0xffff00, "Unassigned class [ffff]")] // what QEMU virtio devices report, as lspci prints it
    [InlineData(0xff0000, "Unassigned class [ff00]")] // no sub-classes under ff
    [InlineData(0x400000, "Coprocessor [4000]")] // base class without sub-classes
    [InlineData(0x0e8000, "Intelligent controller [0e80]")] // unknown sub-class of a known base
    [InlineData(0x01fe00, "Mass storage controller [01fe]")] // reserved storage sub-class
    public void Name_UnknownSubClassOfKnownBase_ReturnsBaseNameWithCode(int classCode, string expected)
    {
        Assert.Equal(expected, ClassCodes.Name(classCode));
    }

    [Theory]
    [InlineData(0x140000, "Class 1400")] // first reserved base class
    [InlineData(0x2a0501, "Class 2a05")] // reserved base, prog-if ignored
    [InlineData(0xfe0000, "Class fe00")] // last reserved base class
    public void Name_UnknownBaseClass_ReturnsClassWithCode(int classCode, string expected)
    {
        Assert.Equal(expected, ClassCodes.Name(classCode));
    }

    [Fact]
    public void Name_EveryDefinedBaseClass_HasItsOwnName()
    {
        int[] bases = [.. Enumerable.Range(0x00, 0x14), 0x40, 0xff];

        foreach (int b in bases)
        {
            string name = ClassCodes.Name((b << 16) | 0xfe00);
            Assert.False(name.StartsWith("Class ", StringComparison.Ordinal), $"base class {b:x2} has no name: {name}");
        }
    }

    [Theory]
    [InlineData(-1)] // negative
    [InlineData(0x1000000)] // wider than 24 bits
    public void Name_OutOfRange_Throws(int classCode)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassCodes.Name(classCode));
    }
}
