using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Passage.Cli.Json;
using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Decoding;

namespace Passage.Cli.Pci;

/// <summary><c>passage pci list|show|decode</c>: the host's PCI functions, decoded, with passthrough verdicts.</summary>
internal static class PciCommands
{
    /// <summary>Largest dump file <c>decode</c> reads: a 4096-byte space as lspci hex text is ~13 KiB.</summary>
    private const long MaxDumpFileBytes = 1024 * 1024;

    public static Command Build(CliContext context)
    {
        var host = new Option<string?>("--host") { Description = HostSelection.Help, HelpName = "sysfs|sim:FILE" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };

        var list = new Command("list", "List every PCI function with its IDs, class, driver, IOMMU group, reset methods and passthrough verdict.") { host, json };
        list.SetAction(r => context.Run(r, output => List(context, r.GetValue(host), r.GetValue(json), output)));

        var address = new Argument<string>("ADDRESS") { Description = "Function address, SSSS:BB:DD.F or BB:DD.F." };
        var show = new Command("show", "Show everything decoded about one function, close to 'lspci -vv', with its verdict.") { address, host, json };
        show.SetAction(r => context.Run(r, output => Show(context, r.GetValue(address)!, r.GetValue(host), r.GetValue(json), output)));

        var file = new Argument<string>("FILE") { Description = "Config-space dump: raw binary (64, 256 or 4096 bytes) or 'lspci -x/-xxx/-xxxx' text." };
        var decode = new Command("decode", "Decode a config-space dump file.") { file, json };
        decode.SetAction(r => context.Run(r, output => Decode(context, r.GetValue(file)!, r.GetValue(json), output)));

        return new Command("pci", "Inspect the host's PCI functions and move them between drivers.") { list, show, decode, DriverBindingCommands.Bind(context, host, json), DriverBindingCommands.Unbind(context, host, json) };
    }

    private static int List(CliContext context, string? hostOption, bool json, TextWriter output)
    {
        HostInventory inventory = HostSelection.Load(hostOption, context.Error, context.SysfsRoot);
        NameResolver names = context.Names;
        var rows = inventory.Functions
            .Select(f => (Function: f, Names: names.For(f.Config), Verdict: AssignabilityAnalyzer.Analyze(inventory, f)))
            .ToList();
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(rows.Select(r => JsonMapper.Row(r.Function, r.Names, r.Verdict)).ToList(), CliJsonContext.Default.ListListRowJson));
        }
        else
        {
            PciListView.Write(output, inventory, rows);
        }

        return 0;
    }

    private static int Show(CliContext context, string addressText, string? hostOption, bool json, TextWriter output)
    {
        PciAddress address = ParseAddress(addressText);
        HostInventory inventory = HostSelection.Load(hostOption, context.Error, context.SysfsRoot);
        HostFunction function = inventory.Find(address)
            ?? throw new CliException($"no function {address} on {inventory.Description}");
        FunctionNames names = context.Names.For(function.Config);
        AssignabilityVerdict verdict = AssignabilityAnalyzer.Analyze(inventory, function);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(JsonMapper.HostFunction(inventory, function, names, verdict), CliJsonContext.Default.HostFunctionJson));
            return 0;
        }

        FunctionFormatter.Write(output, function.Decoded, names, function.Address.ToString(), HostLines(inventory, function, verdict));
        return 0;
    }

    /// <summary>Parses a function address argument.</summary>
    /// <exception cref="UsageException">It is not an address.</exception>
    public static PciAddress ParseAddress(string text) =>
        PciAddress.TryParse(text, out PciAddress address)
            ? address
            : throw new UsageException($"'{text}' is not a PCI address (expected SSSS:BB:DD.F or BB:DD.F)");

    private static int Decode(CliContext context, string path, bool json, TextWriter output)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxDumpFileBytes)
            {
                throw new CliException($"{path}: {info.Length} bytes is too large for a config-space dump");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot read: {e.Message}");
        }

        IReadOnlyList<ConfigDump> dumps;
        try
        {
            dumps = ConfigDumpReader.Read(bytes);
        }
        catch (ConfigDumpException e)
        {
            throw new CliException($"{path}: {e.Message}");
        }

        if (json)
        {
            var list = dumps.Select(d => JsonMapper.Function<FunctionJson>(DecodedFunction.Decode(d.Config), context.Names.For(d.Config), d.Address?.ToString())).ToList();
            output.WriteLine(list.Count == 1
                ? JsonSerializer.Serialize(list[0], CliJsonContext.Default.FunctionJson)
                : JsonSerializer.Serialize(list, CliJsonContext.Default.ListFunctionJson));
            return 0;
        }

        for (int i = 0; i < dumps.Count; i++)
        {
            if (i > 0)
            {
                output.WriteLine();
            }

            ConfigDump dump = dumps[i];
            FunctionFormatter.Write(output, DecodedFunction.Decode(dump.Config), context.Names.For(dump.Config), dump.Address?.ToString());
        }

        return 0;
    }

    private static IEnumerable<string> HostLines(HostInventory inventory, HostFunction function, AssignabilityVerdict verdict)
    {
        if (function.Driver is { } driver)
        {
            yield return $"Kernel driver in use: {driver}";
        }

        if (function.Model is { } model)
        {
            yield return $"Simulated model: {model}";
        }

        if (function.NumaNode is { } node)
        {
            yield return $"NUMA node: {node}";
        }

        yield return function.IommuGroup is { } group
            ? $"IOMMU group: {group} ({string.Join(", ", inventory.GroupMembers(group).Select(m => m.Address))})"
            : "IOMMU group: none";
        yield return $"Reset methods: {(function.ResetMethods.Count > 0 ? string.Join(' ', function.ResetMethods) : "none")}";
        ResetScope scope = ResetScope.For(inventory, function);
        yield return string.Create(CultureInfo.InvariantCulture, $"Reset scope: {scope.Kind.ToString().ToLowerInvariant()}{(scope.Members.Count > 0 ? " (" + string.Join(", ", scope.Members) + ")" : string.Empty)}");
        yield return $"Passthrough: {PciListView.VerdictText(verdict)}";
        foreach (VerdictReason reason in verdict.Reasons)
        {
            yield return $"\t{(reason.Blocking ? "blocks" : "note")}: {reason.Code}: {reason.Message}";
        }
    }
}
