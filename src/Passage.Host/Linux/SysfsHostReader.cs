using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Passage.Host.Inventory;
using Passage.Pci;

namespace Passage.Host.Linux;

/// <summary>
/// Reads a Linux host's PCI functions from sysfs (<c>host-device.md</c> §9). Every attribute is
/// optional: a missing, unreadable or garbled one leaves its part of the function unknown, and one
/// unreadable function never stops the others.
/// </summary>
public sealed class SysfsHostReader
{
    /// <summary>Where sysfs is mounted on a normal host.</summary>
    public const string DefaultRoot = "/sys";

    /// <summary>The <c>source</c> of the inventories this reader produces.</summary>
    public const string SourceName = "sysfs";

    // Sysfs attributes are at most a page; the first seven resource lines fit easily.
    private const int AttributeLimit = 4096;
    private const uint HexWidth8 = 0xFF;
    private const uint HexWidth16 = 0xFFFF;
    private const uint HexWidth24 = 0xFF_FFFF;

    private readonly string _devicesPath;
    private readonly string _iommuGroupsPath;

    /// <summary>Creates a reader of the sysfs tree mounted at <paramref name="root"/>.</summary>
    public SysfsHostReader(string root = DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.TrimEndingDirectorySeparator(root);
        _devicesPath = Path.Combine(Root, "bus", "pci", "devices");
        _iommuGroupsPath = Path.Combine(Root, "kernel", "iommu_groups");
    }

    /// <summary>The sysfs root this reader reads.</summary>
    public string Root { get; }

    /// <summary>Whether <c>bus/pci/devices</c> exists and lists at least one PCI function.</summary>
    public bool HasPciDevices
    {
        get
        {
            try
            {
                return Directory.Exists(_devicesPath) &&
                       Directory.EnumerateFileSystemEntries(_devicesPath).Any(e => PciAddress.TryParse(Path.GetFileName(e), out _));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>Reads every PCI function under <c>bus/pci/devices</c>.</summary>
    /// <exception cref="HostInventoryException">The device list is missing or cannot be listed.</exception>
    public HostInventory Read()
    {
        if (!Directory.Exists(_devicesPath))
        {
            throw new HostInventoryException($"cannot read the PCI inventory: {_devicesPath} does not exist");
        }

        List<string> entries;
        try
        {
            entries = [.. Directory.EnumerateFileSystemEntries(_devicesPath)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostInventoryException($"cannot read the PCI inventory: cannot list {_devicesPath}: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        var functions = new Dictionary<PciAddress, HostFunction>();
        foreach (string entry in Canonical(entries))
        {
            if (PciAddress.TryParse(Path.GetFileName(entry), out PciAddress address) &&
                !functions.ContainsKey(address) &&
                ReadFunction(entry, address) is { } function)
            {
                functions.Add(address, function);
            }
        }

        int groups = CountEntries(_iommuGroupsPath);
        string groupText = groups switch
        {
            0 => "no IOMMU groups",
            1 => "1 IOMMU group",
            _ => $"{groups} IOMMU groups",
        };
        string functionText = functions.Count == 1 ? "1 function" : $"{functions.Count} functions";
        return new HostInventory(SourceName, $"Linux sysfs at {Root}: {functionText}, {groupText}", functions.Values, iommuPresent: groups > 0);
    }

    // Sysfs names functions SSSS:BB:DD.F; should a tree also hold another spelling of the same
    // address, the canonical name wins and the rest are ignored.
    private static IEnumerable<string> Canonical(List<string> entries) =>
        entries
            .OrderBy(e => PciAddress.TryParse(Path.GetFileName(e), out PciAddress a) && a.ToString() == Path.GetFileName(e) ? 0 : 1)
            .ThenBy(e => e, StringComparer.Ordinal);

    private static HostFunction? ReadFunction(string entry, PciAddress address)
    {
        try
        {
            IReadOnlyList<BarResource> resources = ParseResources(ReadText(Path.Combine(entry, "resource")));
            ConfigSpace config = ReadConfig(entry, resources);
            PciAddress? parent = ReadParent(entry);
            return new HostFunction(
                address,
                config,
                resources,
                driver: LinkName(Path.Combine(entry, "driver")),
                iommuGroup: ParseGroup(LinkName(Path.Combine(entry, "iommu_group"))),
                resetMethods: ParseResetMethods(ReadText(Path.Combine(entry, "reset_method"))),
                numaNode: ParseNumaNode(ReadText(Path.Combine(entry, "numa_node"))),
                parent: parent == address ? null : parent,
                knownRegisters: []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The function vanished or became unreadable while it was being read.
            return null;
        }
    }

    /// <summary>
    /// The captured config space when it holds at least a present header; otherwise (unreadable,
    /// shorter than the 64-byte header, or all ones as from a function in D3cold) a header
    /// rebuilt from the identity attributes the kernel caches at enumeration.
    /// </summary>
    private static ConfigSpace ReadConfig(string entry, IReadOnlyList<BarResource> resources)
    {
        byte[]? captured = ReadBytes(Path.Combine(entry, "config"), ConfigOffsets.ExtendedSize);
        if (captured is { Length: >= ConfigOffsets.HeaderSize } && new ConfigSpace(captured).IsPresent)
        {
            return new ConfigSpace(captured);
        }

        uint? vendor = ParseHex(ReadText(Path.Combine(entry, "vendor")), HexWidth16);
        uint? device = ParseHex(ReadText(Path.Combine(entry, "device")), HexWidth16);
        uint? classCode = ParseHex(ReadText(Path.Combine(entry, "class")), HexWidth24);
        uint? revision = ParseHex(ReadText(Path.Combine(entry, "revision")), HexWidth8);
        uint? subsystemVendor = ParseHex(ReadText(Path.Combine(entry, "subsystem_vendor")), HexWidth16);
        uint? subsystemDevice = ParseHex(ReadText(Path.Combine(entry, "subsystem_device")), HexWidth16);
        if (captured is { Length: >= ConfigOffsets.HeaderSize } && vendor is null && device is null && classCode is null)
        {
            // Nothing better is known than what the device returned.
            return new ConfigSpace(captured);
        }

        // A short capture keeps its bytes; an absent (all ones) header carries nothing worth keeping.
        int kept = captured is { Length: < ConfigOffsets.HeaderSize } ? captured.Length : 0;
        byte[] header = new byte[ConfigOffsets.HeaderSize];
        captured.AsSpan(0, kept).CopyTo(header);

        if (vendor is { } v)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(ConfigOffsets.VendorId), (ushort)v);
        }

        if (device is { } d)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(ConfigOffsets.DeviceId), (ushort)d);
        }

        if (revision is { } r)
        {
            header[ConfigOffsets.RevisionId] = (byte)r;
        }

        if (classCode is { } c)
        {
            header[ConfigOffsets.ProgIf] = (byte)c;
            header[ConfigOffsets.SubClass] = (byte)(c >> 8);
            header[ConfigOffsets.BaseClass] = (byte)(c >> 16);
            if (kept <= ConfigOffsets.HeaderType)
            {
                header[ConfigOffsets.HeaderType] = (byte)LayoutForClass(c);
            }
        }

        var layout = (HeaderLayout)(header[ConfigOffsets.HeaderType] & 0x7F);
        if (layout == HeaderLayout.Endpoint)
        {
            if (subsystemVendor is { } sv && kept < ConfigOffsets.SubsystemVendorId + 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(ConfigOffsets.SubsystemVendorId), (ushort)sv);
            }

            if (subsystemDevice is { } sd && kept < ConfigOffsets.SubsystemId + 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(ConfigOffsets.SubsystemId), (ushort)sd);
            }
        }

        WriteBarTypes(header, kept, layout, resources);
        return new ConfigSpace(header);
    }

    // Bridges (PCI-to-PCI and semi-transparent) use the type 1 header, CardBus bridges type 2.
    private static HeaderLayout LayoutForClass(uint classCode) => (classCode >> 8) switch
    {
        0x0604 or 0x0609 => HeaderLayout.Bridge,
        0x0607 => HeaderLayout.CardBus,
        _ => HeaderLayout.Endpoint,
    };

    // The type bits of uncaptured BARs follow the kernel's resource flags, so a rebuilt header
    // still tells I/O from memory and 32 from 64 bits. Addresses stay zero: resource holds CPU
    // addresses, which need not equal what the BAR holds.
    private static void WriteBarTypes(byte[] header, int kept, HeaderLayout layout, IReadOnlyList<BarResource> resources)
    {
        int count = BarEncoding.BarCount(layout);
        foreach (BarResource resource in resources)
        {
            int offset = ConfigOffsets.Bar0 + (4 * resource.Index);
            if (resource.Index >= count || offset < kept)
            {
                continue;
            }

            uint bits = 0;
            if ((resource.Flags & BarResource.IoFlag) != 0)
            {
                bits = BarEncoding.IoSpace;
            }
            else if ((resource.Flags & BarResource.MemFlag) != 0)
            {
                bits = ((resource.Flags & BarResource.Mem64Flag) != 0 && resource.Index + 1 < count ? BarEncoding.MemoryType64 : BarEncoding.MemoryType32) |
                       ((resource.Flags & BarResource.PrefetchFlag) != 0 ? BarEncoding.Prefetchable : 0);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(offset), bits);
        }
    }

    /// <summary>Lines 0–5 (BARs) and 6 (ROM) of <c>resource</c>; all-zero and garbled lines are left out.</summary>
    private static List<BarResource> ParseResources(string? text)
    {
        var resources = new List<BarResource>();
        if (text is null)
        {
            return resources;
        }

        string[] lines = text.Split('\n');
        for (int index = 0; index < lines.Length && index <= BarResource.RomIndex; index++)
        {
            string[] fields = lines[index].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3 ||
                ParseHex64(fields[0]) is not { } start ||
                ParseHex64(fields[1]) is not { } end ||
                ParseHex64(fields[2]) is not { } flags)
            {
                continue;
            }

            if ((start == 0 && end == 0 && flags == 0) || end < start || end - start == ulong.MaxValue)
            {
                continue;
            }

            resources.Add(new BarResource(index, start, end - start + 1, flags));
        }

        return resources;
    }

    private static PciAddress? ReadParent(string entry)
    {
        // bus/pci/devices/X links to devices/pci0000:00/…/<bridge>/X; a root-bus function's
        // directory sits in pciSSSS:BB, which is no function address.
        try
        {
            FileSystemInfo? target = Directory.ResolveLinkTarget(entry, returnFinalTarget: true);
            string device = Path.TrimEndingDirectorySeparator(target?.FullName ?? Path.GetFullPath(entry));
            string? parentName = Path.GetFileName(Path.GetDirectoryName(device));
            return PciAddress.TryParse(parentName, out PciAddress parent) ? parent : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The last component of a symlink's target, or null when <paramref name="path"/> is no readable symlink.</summary>
    private static string? LinkName(string path)
    {
        try
        {
            string? target = new FileInfo(path).LinkTarget;
            string? name = target is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(target));
            return string.IsNullOrEmpty(name) ? null : name;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? ParseGroup(string? name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int group) ? group : null;

    private static int? ParseNumaNode(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int node) && node >= 0 ? node : null;

    private static List<string> ParseResetMethods(string? text) =>
        text is null
            ? []
            : [.. text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(IsMethodName)];

    private static bool IsMethodName(string token) =>
        token.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-');

    private static uint? ParseHex(string? text, uint max)
    {
        if (text is null)
        {
            return null;
        }

        ReadOnlySpan<char> digits = text.AsSpan().Trim();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        return digits.Length is > 0 and <= 8 &&
               uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value) &&
               value <= max
            ? value
            : null;
    }

    private static ulong? ParseHex64(string field) =>
        field.Length is > 2 and <= 18 && field.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
        ulong.TryParse(field.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : null;

    private static int CountEntries(string path)
    {
        try
        {
            return Directory.Exists(path) ? Directory.EnumerateFileSystemEntries(path).Count() : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string? ReadText(string path) =>
        ReadBytes(path, AttributeLimit) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>Up to <paramref name="limit"/> bytes of a file, or null when it cannot be read.</summary>
    private static byte[]? ReadBytes(string path, int limit)
    {
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            byte[] buffer = new byte[limit];
            int total = 0;
            while (total < limit)
            {
                // Sysfs may return less than asked for (config space comes in pieces); read to the end.
                int read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return buffer[..total];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
