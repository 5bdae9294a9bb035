using System.Collections.Frozen;
using System.Globalization;

namespace Passage.Pci.Decoding;

/// <summary>
/// Built-in names of base classes and sub-classes (PCI Code and ID Assignment specification),
/// spelled as lspci prints them, so class names are available without a pci.ids file.
/// </summary>
public static class ClassCodes
{
    private static readonly FrozenDictionary<int, string> BaseClasses = new Dictionary<int, string>
    {
        [0x00] = "Unclassified device",
        [0x01] = "Mass storage controller",
        [0x02] = "Network controller",
        [0x03] = "Display controller",
        [0x04] = "Multimedia controller",
        [0x05] = "Memory controller",
        [0x06] = "Bridge",
        [0x07] = "Communication controller",
        [0x08] = "Generic system peripheral",
        [0x09] = "Input device controller",
        [0x0A] = "Docking station",
        [0x0B] = "Processor",
        [0x0C] = "Serial bus controller",
        [0x0D] = "Wireless controller",
        [0x0E] = "Intelligent controller",
        [0x0F] = "Satellite communications controller",
        [0x10] = "Encryption controller",
        [0x11] = "Signal processing controller",
        [0x12] = "Processing accelerators",
        [0x13] = "Non-Essential Instrumentation",
        [0x40] = "Coprocessor",
        [0xFF] = "Unassigned class",
    }.ToFrozenDictionary();

    // Keyed by base class << 8 | sub-class. Where lspci knows a sub-class its wording is used
    // (including "802.1a"/"802.1b" for the 802.11 controllers); the rest follow the specification.
    private static readonly FrozenDictionary<int, string> SubClasses = new Dictionary<int, string>
    {
        [0x0000] = "Non-VGA unclassified device",
        [0x0001] = "VGA compatible unclassified device",
        [0x0005] = "Image coprocessor",

        [0x0100] = "SCSI storage controller",
        [0x0101] = "IDE interface",
        [0x0102] = "Floppy disk controller",
        [0x0103] = "IPI bus controller",
        [0x0104] = "RAID bus controller",
        [0x0105] = "ATA controller",
        [0x0106] = "SATA controller",
        [0x0107] = "Serial Attached SCSI controller",
        [0x0108] = "Non-Volatile memory controller",
        [0x0109] = "Universal Flash Storage controller",
        [0x0180] = "Mass storage controller",

        [0x0200] = "Ethernet controller",
        [0x0201] = "Token ring network controller",
        [0x0202] = "FDDI network controller",
        [0x0203] = "ATM network controller",
        [0x0204] = "ISDN controller",
        [0x0205] = "WorldFip controller",
        [0x0206] = "PICMG controller",
        [0x0207] = "Infiniband controller",
        [0x0208] = "Fabric controller",
        [0x0280] = "Network controller",

        [0x0300] = "VGA compatible controller",
        [0x0301] = "XGA compatible controller",
        [0x0302] = "3D controller",
        [0x0380] = "Display controller",

        [0x0400] = "Multimedia video controller",
        [0x0401] = "Multimedia audio controller",
        [0x0402] = "Computer telephony device",
        [0x0403] = "Audio device",
        [0x0480] = "Multimedia controller",

        [0x0500] = "RAM memory",
        [0x0501] = "FLASH memory",
        [0x0502] = "CXL",
        [0x0580] = "Memory controller",

        [0x0600] = "Host bridge",
        [0x0601] = "ISA bridge",
        [0x0602] = "EISA bridge",
        [0x0603] = "MicroChannel bridge",
        [0x0604] = "PCI bridge",
        [0x0605] = "PCMCIA bridge",
        [0x0606] = "NuBus bridge",
        [0x0607] = "CardBus bridge",
        [0x0608] = "RACEway bridge",
        [0x0609] = "Semi-transparent PCI-to-PCI bridge",
        [0x060A] = "InfiniBand to PCI host bridge",
        [0x060B] = "Advanced Switching to PCI host bridge",
        [0x0680] = "Bridge",

        [0x0700] = "Serial controller",
        [0x0701] = "Parallel controller",
        [0x0702] = "Multiport serial controller",
        [0x0703] = "Modem",
        [0x0704] = "GPIB controller",
        [0x0705] = "Smart Card controller",
        [0x0780] = "Communication controller",

        [0x0800] = "PIC",
        [0x0801] = "DMA controller",
        [0x0802] = "Timer",
        [0x0803] = "RTC",
        [0x0804] = "PCI Hot-plug controller",
        [0x0805] = "SD Host controller",
        [0x0806] = "IOMMU",
        [0x0807] = "Root Complex Event Collector",
        [0x0880] = "System peripheral",
        [0x0899] = "Timing Card",

        [0x0900] = "Keyboard controller",
        [0x0901] = "Digitizer Pen",
        [0x0902] = "Mouse controller",
        [0x0903] = "Scanner controller",
        [0x0904] = "Gameport controller",
        [0x0980] = "Input device controller",

        [0x0A00] = "Generic Docking Station",
        [0x0A80] = "Docking Station",

        [0x0B00] = "386",
        [0x0B01] = "486",
        [0x0B02] = "Pentium",
        [0x0B10] = "Alpha",
        [0x0B20] = "Power PC",
        [0x0B30] = "MIPS",
        [0x0B40] = "Co-processor",
        [0x0B80] = "Processor",

        [0x0C00] = "FireWire (IEEE 1394)",
        [0x0C01] = "ACCESS Bus",
        [0x0C02] = "SSA",
        [0x0C03] = "USB controller",
        [0x0C04] = "Fibre Channel",
        [0x0C05] = "SMBus",
        [0x0C06] = "InfiniBand",
        [0x0C07] = "IPMI Interface",
        [0x0C08] = "SERCOS interface",
        [0x0C09] = "CANBUS",
        [0x0C0A] = "MIPI I3C host controller",
        [0x0C80] = "Serial bus controller",

        [0x0D00] = "IRDA controller",
        [0x0D01] = "Consumer IR controller",
        [0x0D10] = "RF controller",
        [0x0D11] = "Bluetooth",
        [0x0D12] = "Broadband",
        [0x0D20] = "802.1a controller",
        [0x0D21] = "802.1b controller",
        [0x0D40] = "Cellular controller/modem",
        [0x0D41] = "Cellular controller/modem plus Ethernet (802.11)",
        [0x0D80] = "Wireless controller",

        [0x0E00] = "I2O",

        [0x0F01] = "Satellite TV controller",
        [0x0F02] = "Satellite audio communication controller",
        [0x0F03] = "Satellite voice communication controller",
        [0x0F04] = "Satellite data communication controller",

        [0x1000] = "Network and computing encryption device",
        [0x1010] = "Entertainment encryption device",
        [0x1080] = "Encryption controller",

        [0x1100] = "DPIO module",
        [0x1101] = "Performance counters",
        [0x1110] = "Communication synchronizer",
        [0x1120] = "Signal processing management",
        [0x1180] = "Signal processing controller",

        [0x1200] = "Processing accelerators",
        [0x1201] = "SNIA Smart Data Accelerator Interface (SDXI) controller",

        [0x1300] = "Non-Essential Instrumentation",
    }.ToFrozenDictionary();

    /// <summary>
    /// Names a 24-bit class code (base class, sub-class, prog-if) the way lspci does without
    /// a pci.ids entry: the sub-class name when known; otherwise the base-class name followed by
    /// the 16-bit class in brackets (<c>Unassigned class [ffff]</c>); otherwise <c>Class bbss</c>
    /// (<c>Class 2a00</c>). The programming interface does not affect the name.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCode24"/> is outside 0–0xFFFFFF.</exception>
    public static string Name(int classCode24)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classCode24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCode24, 0xFF_FFFF);
        int classCode16 = classCode24 >> 8;
        if (SubClasses.TryGetValue(classCode16, out string? subClass))
        {
            return subClass;
        }

        return BaseClasses.TryGetValue(classCode16 >> 8, out string? baseClass)
            ? string.Create(CultureInfo.InvariantCulture, $"{baseClass} [{classCode16:x4}]")
            : string.Create(CultureInfo.InvariantCulture, $"Class {classCode16:x4}");
    }
}
