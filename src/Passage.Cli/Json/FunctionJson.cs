using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Passage.Cli.Json;

/// <summary>A decoded config space as JSON (camelCase keys, integers for every number).</summary>
internal class FunctionJson
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Address { get; set; }

    public int VendorId { get; set; }

    public int DeviceId { get; set; }

    public string? VendorName { get; set; }

    public string? DeviceName { get; set; }

    public int SubsystemVendorId { get; set; }

    public int SubsystemId { get; set; }

    public int Revision { get; set; }

    public int ClassCode { get; set; }

    public string ClassName { get; set; } = string.Empty;

    public int HeaderType { get; set; }

    public bool MultiFunction { get; set; }

    public int Command { get; set; }

    public int Status { get; set; }

    public int InterruptPin { get; set; }

    public int ConfigSize { get; set; }

    public List<BarJson> Bars { get; set; } = [];

    public RomJson? Rom { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BridgeJson? Bridge { get; set; }

    public List<CapabilityJson> Capabilities { get; set; } = [];

    public List<CapabilityJson> ExtendedCapabilities { get; set; } = [];

    public List<ProblemJson> CapabilityProblems { get; set; } = [];

    public MsixJson? Msix { get; set; }

    public MsiJson? Msi { get; set; }

    public PcieJson? Pcie { get; set; }
}

/// <summary>A function of a host: the decoded config space plus what the host knows and the verdict.</summary>
internal sealed class HostFunctionJson : FunctionJson
{
    public string? Driver { get; set; }

    public int? IommuGroup { get; set; }

    public List<string> IommuGroupMembers { get; set; } = [];

    public List<string> ResetMethods { get; set; } = [];

    public ResetScopeJson ResetScope { get; set; } = new();

    public int? NumaNode { get; set; }

    public string? Parent { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; set; }

    public VerdictJson Verdict { get; set; } = new();
}

internal sealed class BarJson
{
    public int Index { get; set; }

    public string Kind { get; set; } = string.Empty;

    public bool Prefetchable { get; set; }

    public ulong Address { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Size { get; set; }
}

internal sealed class RomJson
{
    public ulong Address { get; set; }

    public bool Enabled { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Size { get; set; }
}

internal sealed class BridgeJson
{
    public int PrimaryBus { get; set; }

    public int SecondaryBus { get; set; }

    public int SubordinateBus { get; set; }

    public WindowJson? IoWindow { get; set; }

    public WindowJson? MemoryWindow { get; set; }

    public WindowJson? PrefetchableWindow { get; set; }
}

internal sealed class WindowJson
{
    public ulong Base { get; set; }

    public ulong Limit { get; set; }
}

internal sealed class CapabilityJson
{
    public int Offset { get; set; }

    public int Id { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Version { get; set; }

    public string Name { get; set; } = string.Empty;

    public JsonObject Fields { get; set; } = [];
}

internal sealed class ProblemJson
{
    public string Code { get; set; } = string.Empty;

    public bool Extended { get; set; }

    public int Offset { get; set; }

    public string Message { get; set; } = string.Empty;
}

internal sealed class MsixJson
{
    public int TableSize { get; set; }

    public bool Enabled { get; set; }

    public bool FunctionMask { get; set; }

    public int TableBir { get; set; }

    public long TableOffset { get; set; }

    public int PbaBir { get; set; }

    public long PbaOffset { get; set; }
}

internal sealed class MsiJson
{
    public bool Enabled { get; set; }

    public bool Is64Bit { get; set; }

    public bool PerVectorMask { get; set; }

    public int MultipleMessageCapable { get; set; }

    public int MultipleMessageEnable { get; set; }
}

internal sealed class PcieJson
{
    public int Version { get; set; }

    public int DeviceType { get; set; }

    public string DeviceTypeName { get; set; } = string.Empty;

    public bool FlrCapable { get; set; }

    public bool SlotImplemented { get; set; }

    public int MaxPayload { get; set; }

    public int MaxReadRequest { get; set; }

    public int? MaxLinkSpeed { get; set; }

    public int? MaxLinkWidth { get; set; }

    public int? LinkSpeed { get; set; }

    public int? LinkWidth { get; set; }
}

internal sealed class ResetScopeJson
{
    public string Kind { get; set; } = string.Empty;

    public List<string> Members { get; set; } = [];
}

internal sealed class VerdictJson
{
    public bool Assignable { get; set; }

    public List<string> Reasons { get; set; } = [];

    public List<ReasonJson> Details { get; set; } = [];
}

internal sealed class ReasonJson
{
    public string Code { get; set; } = string.Empty;

    public bool Blocking { get; set; }

    public string Message { get; set; } = string.Empty;
}

/// <summary>One row of <c>passage pci list --json</c>.</summary>
internal sealed class ListRowJson
{
    public string Address { get; set; } = string.Empty;

    public int VendorId { get; set; }

    public int DeviceId { get; set; }

    public string? VendorName { get; set; }

    public string? DeviceName { get; set; }

    public int ClassCode { get; set; }

    public string ClassName { get; set; } = string.Empty;

    public string? Driver { get; set; }

    public int? IommuGroup { get; set; }

    public List<string> ResetMethods { get; set; } = [];

    public int? NumaNode { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; set; }

    public VerdictJson Verdict { get; set; } = new();
}
