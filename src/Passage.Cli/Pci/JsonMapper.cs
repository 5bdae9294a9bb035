using System.Text.Json.Nodes;
using Passage.Cli.Json;
using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Cli.Pci;

/// <summary>Maps decoded functions, host functions and verdicts to their JSON shapes.</summary>
internal static class JsonMapper
{
    public static T Function<T>(DecodedFunction f, FunctionNames names, string? address)
        where T : FunctionJson, new()
    {
        ConfigSpace c = f.Config;
        return new T
        {
            Address = address,
            VendorId = c.VendorId,
            DeviceId = c.DeviceId,
            VendorName = names.VendorName,
            DeviceName = names.DeviceName,
            SubsystemVendorId = c.SubsystemVendorId,
            SubsystemId = c.SubsystemId,
            Revision = c.RevisionId,
            ClassCode = c.ClassCode,
            ClassName = names.ClassName,
            HeaderType = (int)c.Layout,
            MultiFunction = c.IsMultiFunction,
            Command = (int)c.Command,
            Status = (int)c.Status,
            InterruptPin = c.InterruptPin,
            ConfigSize = c.Length,
            Bars = f.Bars.Select(b => new BarJson { Index = b.Index, Kind = b.KindName, Prefetchable = b.Prefetchable, Address = b.Address, Size = b.Size }).ToList(),
            Rom = f.Rom is { } rom ? new RomJson { Address = rom.Address, Enabled = rom.Enabled, Size = rom.Size } : null,
            Bridge = f.Bridge is { } br
                ? new BridgeJson
                {
                    PrimaryBus = br.PrimaryBus,
                    SecondaryBus = br.SecondaryBus,
                    SubordinateBus = br.SubordinateBus,
                    IoWindow = Window(br.IoBase, br.IoLimit),
                    MemoryWindow = Window(br.MemoryBase, br.MemoryLimit),
                    PrefetchableWindow = Window(br.PrefetchableBase, br.PrefetchableLimit),
                }
                : null,
            Capabilities = f.Capabilities.Select(Capability).ToList(),
            ExtendedCapabilities = f.ExtendedCapabilities.Select(Capability).ToList(),
            CapabilityProblems = f.Problems.Select(p => new ProblemJson { Code = p.Code, Extended = p.Extended, Offset = p.Offset, Message = p.Message }).ToList(),
            Msix = f.Msix is { } x
                ? new MsixJson { TableSize = x.TableSize, Enabled = x.Enabled, FunctionMask = x.FunctionMasked, TableBir = x.TableBir, TableOffset = x.TableBarOffset, PbaBir = x.PbaBir, PbaOffset = x.PbaBarOffset }
                : null,
            Msi = f.Msi is { } m
                ? new MsiJson { Enabled = m.Enabled, Is64Bit = m.Is64Bit, PerVectorMask = m.HasPerVectorMask, MultipleMessageCapable = m.MultipleMessageCapable, MultipleMessageEnable = m.MultipleMessageEnable }
                : null,
            Pcie = f.Pcie is { } e
                ? new PcieJson
                {
                    Version = e.Version,
                    DeviceType = (int)e.DeviceType,
                    DeviceTypeName = e.DeviceType.ToString(),
                    FlrCapable = e.IsFlrCapable,
                    SlotImplemented = e.HasSlot,
                    MaxPayload = e.MaxPayload,
                    MaxReadRequest = e.MaxReadRequest,
                    MaxLinkSpeed = e.HasLink ? e.MaxLinkSpeed : null,
                    MaxLinkWidth = e.HasLink ? e.MaxLinkWidth : null,
                    LinkSpeed = e.HasLink ? e.LinkSpeed : null,
                    LinkWidth = e.HasLink ? e.LinkWidth : null,
                }
                : null,
        };
    }

    public static HostFunctionJson HostFunction(HostInventory inventory, HostFunction function, FunctionNames names, AssignabilityVerdict verdict)
    {
        HostFunctionJson json = Function<HostFunctionJson>(function.Decoded, names, function.Address.ToString());
        json.Driver = function.Driver;
        json.IommuGroup = function.IommuGroup;
        json.IommuGroupMembers = function.IommuGroup is { } g ? inventory.GroupMembers(g).Select(m => m.Address.ToString()).ToList() : [];
        json.ResetMethods = [.. function.ResetMethods];
        ResetScope scope = ResetScope.For(inventory, function);
        json.ResetScope = new ResetScopeJson { Kind = scope.Kind.ToString().ToLowerInvariant(), Members = scope.Members.Select(a => a.ToString()).ToList() };
        json.NumaNode = function.NumaNode;
        json.Parent = function.Parent?.ToString();
        json.Model = function.Model;
        json.Verdict = Verdict(verdict);
        return json;
    }

    public static ListRowJson Row(HostFunction function, FunctionNames names, AssignabilityVerdict verdict) => new()
    {
        Address = function.Address.ToString(),
        VendorId = function.Config.VendorId,
        DeviceId = function.Config.DeviceId,
        VendorName = names.VendorName,
        DeviceName = names.DeviceName,
        ClassCode = function.Config.ClassCode,
        ClassName = names.ClassName,
        Driver = function.Driver,
        IommuGroup = function.IommuGroup,
        ResetMethods = [.. function.ResetMethods],
        NumaNode = function.NumaNode,
        Model = function.Model,
        Verdict = Verdict(verdict),
    };

    private static VerdictJson Verdict(AssignabilityVerdict verdict) => new()
    {
        Assignable = verdict.Assignable,
        Reasons = [.. verdict.Codes],
        Details = verdict.Reasons.Select(r => new ReasonJson { Code = r.Code, Blocking = r.Blocking, Message = r.Message }).ToList(),
    };

    private static CapabilityJson Capability(DecodedCapability cap)
    {
        var fields = new JsonObject();
        foreach (DecodedField field in cap.Fields)
        {
            fields[field.Name] = field.Value switch
            {
                long l => JsonValue.Create(l),
                ulong u => JsonValue.Create(u),
                int i => JsonValue.Create(i),
                bool b => JsonValue.Create(b),
                string s => JsonValue.Create(s),
                _ => JsonValue.Create(field.Value.ToString()),
            };
        }

        return new CapabilityJson
        {
            Offset = cap.Entry.Offset,
            Id = cap.Entry.Id,
            Version = cap.Entry.Extended ? cap.Entry.Version : null,
            Name = cap.Name,
            Fields = fields,
        };
    }

    private static WindowJson? Window(ulong? start, ulong? end) => start is { } s && end is { } e ? new WindowJson { Base = s, Limit = e } : null;
}
