using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Passage.Pci.Decoding;

/// <summary>
/// Vendor, device, subsystem and class names from a <c>pci.ids</c> file (the PCI ID Repository
/// format lspci uses). Malformed lines are skipped, so a damaged file still yields what it can.
/// </summary>
public sealed class PciIdDatabase
{
    private readonly Dictionary<ushort, string> _vendors = [];
    private readonly Dictionary<uint, string> _devices = [];
    private readonly Dictionary<ulong, string> _subsystems = [];
    private readonly Dictionary<int, string> _classes = [];
    private readonly Dictionary<int, string> _subClasses = [];
    private readonly Dictionary<int, string> _progIfs = [];

    private PciIdDatabase()
    {
    }

    private enum Section
    {
        None,
        Vendor,
        Class,
    }

    /// <summary>Where Linux distributions install pci.ids, in the order <see cref="TryLoadSystem"/> tries them.</summary>
    public static IReadOnlyList<string> SystemPaths { get; } =
        ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"];

    /// <summary>Number of vendors read.</summary>
    public int VendorCount => _vendors.Count;

    /// <summary>Number of devices read, over all vendors.</summary>
    public int DeviceCount => _devices.Count;

    /// <summary>Parses pci.ids text; lines that do not fit the format are skipped.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    public static PciIdDatabase Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var db = new PciIdDatabase();
        Section section = Section.None;
        int vendor = -1;
        int device = -1;
        int baseClass = -1;
        int subClass = -1;

        while (reader.ReadLine() is { } raw)
        {
            ReadOnlySpan<char> line = raw.AsSpan().TrimEnd();
            int depth = 0;
            while (depth < line.Length && line[depth] == '\t')
            {
                depth++;
            }

            line = line[depth..];
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            switch (depth)
            {
                case 0:
                    vendor = device = baseClass = subClass = -1;
                    if (line.StartsWith("C ", StringComparison.Ordinal))
                    {
                        section = Section.Class;
                        if (TryIdAndName(line[2..], 2, out baseClass, out string? className))
                        {
                            db._classes.TryAdd(baseClass, className);
                        }
                    }
                    else if (TryIdAndName(line, 4, out vendor, out string? vendorName))
                    {
                        section = Section.Vendor;
                        db._vendors.TryAdd((ushort)vendor, vendorName);
                    }
                    else
                    {
                        // An unknown or broken top-level line: its indented lines must not attach to the previous entry.
                        section = Section.None;
                    }

                    break;

                case 1 when section == Section.Vendor && vendor >= 0:
                    if (TryIdAndName(line, 4, out device, out string? deviceName))
                    {
                        db._devices.TryAdd(DeviceKey(vendor, device), deviceName);
                    }

                    break;

                case 1 when section == Section.Class && baseClass >= 0:
                    if (TryIdAndName(line, 2, out subClass, out string? subClassName))
                    {
                        db._subClasses.TryAdd((baseClass << 8) | subClass, subClassName);
                    }

                    break;

                case 2 when section == Section.Vendor && device >= 0:
                    if (TrySubsystem(line, out int subVendor, out int subDevice, out string? subsystemName))
                    {
                        db._subsystems.TryAdd(SubsystemKey(vendor, device, subVendor, subDevice), subsystemName);
                    }

                    break;

                case 2 when section == Section.Class && subClass >= 0:
                    if (TryIdAndName(line, 2, out int progIf, out string? progIfName))
                    {
                        db._progIfs.TryAdd((baseClass << 16) | (subClass << 8) | progIf, progIfName);
                    }

                    break;

                default:
                    // Deeper indentation, or a child without a valid parent: skipped.
                    break;
            }
        }

        return db;
    }

    /// <summary>Loads the first readable pci.ids of <see cref="SystemPaths"/>; null when there is none.</summary>
    public static PciIdDatabase? TryLoadSystem() => TryLoadFirst(SystemPaths);

    /// <summary>Loads the pci.ids file at <paramref name="path"/>; null when it is missing or cannot be read.</summary>
    public static PciIdDatabase? TryLoad(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            using var reader = new StreamReader(path);
            return Parse(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Vendor name, or null when unknown.</summary>
    public string? VendorName(ushort vendor) => _vendors.GetValueOrDefault(vendor);

    /// <summary>Device name, or null when unknown.</summary>
    public string? DeviceName(ushort vendor, ushort device) => _devices.GetValueOrDefault(DeviceKey(vendor, device));

    /// <summary>Subsystem name listed under a device, or null when unknown.</summary>
    public string? SubsystemName(ushort vendor, ushort device, ushort subVendor, ushort subDevice) =>
        _subsystems.GetValueOrDefault(SubsystemKey(vendor, device, subVendor, subDevice));

    /// <summary>
    /// The most specific name of a 24-bit class code: prog-if, else sub-class, else base class;
    /// null when even the base class is unknown.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCode24"/> is outside 0–0xFFFFFF.</exception>
    public string? ClassName(int classCode24)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classCode24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCode24, 0xFF_FFFF);
        return _progIfs.GetValueOrDefault(classCode24) ??
               _subClasses.GetValueOrDefault(classCode24 >> 8) ??
               _classes.GetValueOrDefault(classCode24 >> 16);
    }

    /// <summary>Name of the base class and sub-class of a 24-bit class code, ignoring the programming interface (what lspci's header line shows).</summary>
    public string? SubClassName(int classCode24)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classCode24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCode24, 0xFF_FFFF);
        return _subClasses.GetValueOrDefault(classCode24 >> 8) ?? _classes.GetValueOrDefault(classCode24 >> 16);
    }

    /// <summary>Name of the programming interface of a 24-bit class code, if pci.ids names it.</summary>
    public string? ProgIfName(int classCode24)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classCode24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCode24, 0xFF_FFFF);
        return _progIfs.GetValueOrDefault(classCode24);
    }

    /// <summary>Loads the first path that exists and reads; a broken copy does not hide a good one later in the list.</summary>
    internal static PciIdDatabase? TryLoadFirst(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (File.Exists(path) && TryLoad(path) is { } db)
            {
                return db;
            }
        }

        return null;
    }

    private static uint DeviceKey(int vendor, int device) => ((uint)vendor << 16) | (uint)device;

    private static ulong SubsystemKey(int vendor, int device, int subVendor, int subDevice) =>
        ((ulong)DeviceKey(vendor, device) << 32) | ((ulong)(uint)subVendor << 16) | (uint)subDevice;

    /// <summary>Reads exactly <paramref name="digits"/> hex digits, at least one blank, then a non-empty name.</summary>
    private static bool TryIdAndName(ReadOnlySpan<char> text, int digits, out int id, [NotNullWhen(true)] out string? name)
    {
        name = null;
        id = -1;
        if (!TryHex(text, digits, out int value) || !TryName(text[digits..], out name))
        {
            return false;
        }

        id = value;
        return true;
    }

    /// <summary>Reads <c>ssss ssss  Name</c>: subsystem vendor, one blank, subsystem device, blanks, name.</summary>
    private static bool TrySubsystem(ReadOnlySpan<char> text, out int subVendor, out int subDevice, [NotNullWhen(true)] out string? name)
    {
        subDevice = -1;
        name = null;
        return TryHex(text, 4, out subVendor) &&
               text.Length > 5 && text[4] == ' ' &&
               TryHex(text[5..], 4, out subDevice) &&
               TryName(text[9..], out name);
    }

    private static bool TryHex(ReadOnlySpan<char> text, int digits, out int value)
    {
        value = -1;
        return text.Length >= digits &&
               (text.Length == digits || text[digits] is ' ' or '\t') &&
               int.TryParse(text[..digits], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryName(ReadOnlySpan<char> text, [NotNullWhen(true)] out string? name)
    {
        name = null;
        if (text.IsEmpty || text[0] is not (' ' or '\t'))
        {
            return false;
        }

        ReadOnlySpan<char> trimmed = text.Trim();
        if (trimmed.IsEmpty)
        {
            return false;
        }

        name = trimmed.ToString();
        return true;
    }
}
