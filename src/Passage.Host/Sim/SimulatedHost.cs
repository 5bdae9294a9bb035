using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Passage.Host.Inventory;
using Passage.Pci;

namespace Passage.Host.Sim;

/// <summary>
/// Builds a simulated host from a topology file: enumerates buses depth-first as firmware does,
/// builds each function's config space from its device model, places BARs and bridge windows,
/// probes reset methods and forms IOMMU groups as Linux would.
/// </summary>
public sealed partial class SimulatedHost
{
    private const ulong MemWindowStart = 0xC000_0000;
    private const ulong MemWindowEnd = 0xFEC0_0000;
    private const ulong PrefetchWindowStart = 0x40_0000_0000;
    private const ulong IoWindowStart = 0x2000;
    private const ulong IoWindowEnd = 0x1_0000;
    private const ulong BridgeMemoryAlignment = 1024 * 1024;
    private const ulong BridgeIoAlignment = 4096;

    private readonly string _file;
    private readonly int _segment;
    private readonly List<Placed> _placed = [];
    private ulong _mem = MemWindowStart;
    private ulong _prefetch = PrefetchWindowStart;
    private ulong _io = IoWindowStart;
    private int _lastBus;

    private SimulatedHost(string file, int segment)
    {
        _file = file;
        _segment = segment;
    }

    /// <summary>Loads and builds the host described by the topology file at <paramref name="path"/>.</summary>
    /// <exception cref="TopologyException">The file is unreadable, not JSON, or not a valid topology.</exception>
    public static HostInventory Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TopologyException($"{path}: cannot read topology file: {e.Message}", e);
        }

        return FromJson(text, path);
    }

    /// <summary>Builds the host described by <paramref name="json"/>; <paramref name="file"/> names it in errors and in the inventory's source.</summary>
    /// <exception cref="TopologyException">The text is not JSON or not a valid topology.</exception>
    public static HostInventory FromJson(string json, string file)
    {
        TopologyDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, TopologyJsonContext.Default.TopologyDocument);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line ? $"line {line + 1}: " : string.Empty;
            string path = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? string.Empty : $"{e.Path}: ";
            throw new TopologyException($"{file}: {where}{path}{Plain(e.Message)}", e);
        }

        if (document is null)
        {
            throw new TopologyException($"{file}: the file holds no topology (JSON null)");
        }

        if (document.Devices is not { Count: > 0 })
        {
            throw new TopologyException($"{file}: \"devices\" must list at least one function");
        }

        if (document.Segment is < 0 or > 0xFFFF)
        {
            throw new TopologyException($"{file}: \"segment\" must be 0–65535, got {document.Segment}");
        }

        var host = new SimulatedHost(file, document.Segment);
        host.Enumerate(document.Devices, bus: 0, parent: null, path: "devices");
        return host.Finish(document);
    }

    private void Enumerate(List<TopologyNode> nodes, int bus, PciAddress? parent, string path)
    {
        var slots = new List<(int Device, int Function)>();
        for (int i = 0; i < nodes.Count; i++)
        {
            string where = $"{path}[{i}]";
            TopologyNode node = nodes[i] ?? throw Error(where, "entry is null");
            (int device, int function) = ParseSlot(node.Slot, where);
            if (slots.Contains((device, function)))
            {
                throw Error(where, $"slot {device:x2}.{function} appears twice on bus {bus:x2}");
            }

            slots.Add((device, function));
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            string where = $"{path}[{i}]";
            TopologyNode node = nodes[i];
            SimDeviceModel model = DeviceModelCatalogue.Find(node.Model ?? string.Empty)
                ?? throw Error(where, $"unknown model '{node.Model}' (known: {string.Join(", ", DeviceModelCatalogue.All.Select(m => m.Name))})");
            (int device, int function) = slots[i];
            if (node.Acs is not null && !model.HasAcsOption)
            {
                throw Error(where, $"model '{model.Name}' has no ACS option");
            }

            if (node.Children is { Count: > 0 } && !model.IsBridge)
            {
                throw Error(where, $"model '{model.Name}' is not a bridge and cannot have children");
            }

            if (node.NumaNode is < 0 or > 1023)
            {
                throw Error(where, $"numaNode must be 0–1023, got {node.NumaNode}");
            }

            bool multiFunction = slots.Count(s => s.Device == device) > 1;
            var address = new PciAddress(_segment, bus, device, function);
            var config = new ConfigSpaceBuilder(model.ConfigSize);
            model.Build(config, new SimModelOptions(node.Acs ?? model.DefaultAcs, multiFunction));
            string? driver = node.Driver is null ? model.DefaultDriver : node.Driver.Length == 0 ? null : node.Driver;
            List<BarResource> resources = PlaceBars(config, model, where);
            var placed = new Placed(address, model, config, resources, driver, node.NumaNode ?? 0, parent);
            _placed.Add(placed);

            PciCommand command = PciCommand.None;
            command |= model.Bars.Any(b => b.Kind == BarKind.Io) ? PciCommand.IoSpace : 0;
            command |= model.Bars.Any(b => b.Kind != BarKind.Io) || model.RomSize != 0 ? PciCommand.MemorySpace : 0;
            // Host drivers enable bus mastering; vfio-pci leaves it to the device's user.
            command |= driver is not null && driver != "vfio-pci" && driver != "pci-stub" ? PciCommand.BusMaster : 0;

            if (model.IsBridge)
            {
                EnumerateBridge(node, config, bus, address, $"{where}.children");
                command |= PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster;
            }

            config.Command(command);
        }
    }

    private void EnumerateBridge(TopologyNode node, ConfigSpaceBuilder config, int bus, PciAddress address, string path)
    {
        if (_lastBus == 0xFF)
        {
            throw new TopologyException($"{_file}: {path}: no bus numbers left (the tree needs more than 256 buses)");
        }

        int secondary = ++_lastBus;
        _mem = AlignUp(_mem, BridgeMemoryAlignment);
        _prefetch = AlignUp(_prefetch, BridgeMemoryAlignment);
        _io = AlignUp(_io, BridgeIoAlignment);
        (ulong mem, ulong prefetch, ulong io) = (_mem, _prefetch, _io);

        Enumerate(node.Children ?? [], secondary, address, path);

        _mem = AlignUp(_mem, BridgeMemoryAlignment);
        _prefetch = AlignUp(_prefetch, BridgeMemoryAlignment);
        _io = AlignUp(_io, BridgeIoAlignment);
        config.Set8(ConfigOffsets.PrimaryBus, (byte)bus)
            .Set8(ConfigOffsets.SecondaryBus, (byte)secondary)
            .Set8(ConfigOffsets.SubordinateBus, (byte)_lastBus);

        if (_io > io)
        {
            config.Set8(ConfigOffsets.IoBase, (byte)((io >> 8) & 0xF0)).Set8(ConfigOffsets.IoLimit, (byte)(((_io - 1) >> 8) & 0xF0));
        }
        else
        {
            config.Set8(ConfigOffsets.IoBase, 0xF0).Set8(ConfigOffsets.IoLimit, 0x00);
        }

        if (_mem > mem)
        {
            config.Set16(ConfigOffsets.MemoryBase, (ushort)((mem >> 16) & 0xFFF0)).Set16(ConfigOffsets.MemoryLimit, (ushort)(((_mem - 1) >> 16) & 0xFFF0));
        }
        else
        {
            config.Set16(ConfigOffsets.MemoryBase, 0xFFF0).Set16(ConfigOffsets.MemoryLimit, 0x0000);
        }

        if (_prefetch > prefetch)
        {
            ulong limit = _prefetch - 1;
            config.Set16(ConfigOffsets.PrefetchableBase, (ushort)(((prefetch >> 16) & 0xFFF0) | 1))
                .Set16(ConfigOffsets.PrefetchableLimit, (ushort)(((limit >> 16) & 0xFFF0) | 1))
                .Set32(ConfigOffsets.PrefetchableBaseUpper, (uint)(prefetch >> 32))
                .Set32(ConfigOffsets.PrefetchableLimitUpper, (uint)(limit >> 32));
        }
        else
        {
            config.Set16(ConfigOffsets.PrefetchableBase, 0xFFF1).Set16(ConfigOffsets.PrefetchableLimit, 0x0001);
        }
    }

    private List<BarResource> PlaceBars(ConfigSpaceBuilder config, SimDeviceModel model, string where)
    {
        var resources = new List<BarResource>();
        foreach (SimBar bar in model.Bars)
        {
            if (bar.Size == 0 || (bar.Size & (bar.Size - 1)) != 0)
            {
                throw Error(where, $"model '{model.Name}' BAR{bar.Index} size {bar.Size} is not a power of two");
            }

            ulong address;
            ulong flags;
            if (bar.Kind == BarKind.Io)
            {
                address = Take(ref _io, Math.Max(bar.Size, 4), IoWindowEnd, where, "I/O");
                flags = BarResource.IoFlag | 0x40000 | 0x1;
            }
            else if (bar.Kind == BarKind.Mem64 && bar.Prefetchable)
            {
                address = Take(ref _prefetch, bar.Size, ulong.MaxValue, where, "prefetchable memory");
                flags = BarResource.MemFlag | 0x40000 | BarResource.Mem64Flag | BarResource.PrefetchFlag | 0xC;
            }
            else
            {
                address = Take(ref _mem, Math.Max(bar.Size, 16), MemWindowEnd, where, "memory");
                flags = BarResource.MemFlag | 0x40000 | (bar.Kind == BarKind.Mem64 ? BarResource.Mem64Flag | 0x4 : 0) | (bar.Prefetchable ? BarResource.PrefetchFlag | 0x8 : 0);
            }

            config.Bar(bar.Index, bar.Kind, address, bar.Prefetchable);
            resources.Add(new BarResource(bar.Index, address, bar.Size, flags));
        }

        if (model.RomSize != 0)
        {
            ulong rom = Take(ref _mem, model.RomSize, MemWindowEnd, where, "memory");
            config.Set32(BarEncoding.RomOffset(model.IsBridge ? HeaderLayout.Bridge : HeaderLayout.Endpoint), (uint)rom);
            resources.Add(new BarResource(BarResource.RomIndex, rom, model.RomSize, BarResource.MemFlag | 0x4000 | 0x40000));
        }

        return resources;
    }

    private ulong Take(ref ulong cursor, ulong size, ulong end, string where, string space)
    {
        ulong address = AlignUp(cursor, size);
        if (address + size > end || address + size < address)
        {
            throw Error(where, $"the simulated host ran out of {space} space");
        }

        cursor = address + size;
        return address;
    }

    private HostInventory Finish(TopologyDocument document)
    {
        // Built and decoded once: the grouping, the reset probe and the inventory share the decoding.
        var decoded = _placed.ToDictionary(p => p.Address, p => HostFunction.Decode(p.Config.Build(), p.Resources));
        IReadOnlyDictionary<PciAddress, int> groups = IommuGroupCalculator.Assign(
            _placed.Select(p => new IommuGroupCalculator.Node(p.Address, decoded[p.Address], p.Parent)).ToList());

        var functions = new List<HostFunction>();
        foreach (Placed p in _placed)
        {
            bool aloneOnBus = _placed.Count(o => o.Address.Bus == p.Address.Bus) == 1;
            IReadOnlyList<string> reset = ResetMethodProbe.Probe(decoded[p.Address], p.Model.NoPmResetQuirk, p.Parent is null, aloneOnBus);
            functions.Add(new HostFunction(p.Address, decoded[p.Address], p.Resources, p.Driver, groups[p.Address], reset, p.NumaNode, p.Parent, p.Model.Registers, p.Model.Name));
        }

        string name = string.IsNullOrWhiteSpace(document.Name) ? Path.GetFileNameWithoutExtension(_file) : document.Name;
        string description = string.IsNullOrWhiteSpace(document.Description)
            ? string.Create(CultureInfo.InvariantCulture, $"simulated host '{name}': {functions.Count} functions")
            : $"simulated host '{name}': {document.Description}";
        return new HostInventory($"sim:{_file}", description, functions, iommuPresent: true);
    }

    private (int Device, int Function) ParseSlot(string? slot, string where)
    {
        string[] parts = (slot ?? string.Empty).Split('.');
        if (parts.Length != 2 ||
            !int.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int device) ||
            !int.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int function) ||
            parts[0].Length is 0 or > 2 || parts[1].Length != 1 || device > 0x1F || function > 7)
        {
            throw Error(where, $"slot '{slot}' is not DD.F (device 00–1f, function 0–7)");
        }

        return (device, function);
    }

    private TopologyException Error(string where, string message) => new($"{_file}: {where}: {message}");

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    // The serializer's first sentence, with its .NET type names turned into topology terms.
    private static string Plain(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        string first = (end > 0 ? message[..end] : message).TrimEnd('.');
        first = UnknownKey().Replace(first, "is not a known key");
        return WrongType().Replace(first, "has the wrong type");
    }

    [GeneratedRegex(@"could not be mapped to any \.NET member contained in type '[^']*'")]
    private static partial Regex UnknownKey();

    [GeneratedRegex(@"could not be converted to [\w.`\[\], ]+")]
    private static partial Regex WrongType();

    private sealed record Placed(PciAddress Address, SimDeviceModel Model, ConfigSpaceBuilder Config, List<BarResource> Resources, string? Driver, int NumaNode, PciAddress? Parent);
}
