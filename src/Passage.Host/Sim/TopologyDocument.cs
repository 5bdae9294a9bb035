using System.Text.Json.Serialization;

namespace Passage.Host.Sim;

/// <summary>A simulated host topology file (<c>hosts/*.json</c>): a name and the devices on bus 0.</summary>
public sealed class TopologyDocument
{
    /// <summary>Short name of the host.</summary>
    public string? Name { get; set; }

    /// <summary>One line describing the host.</summary>
    public string? Description { get; set; }

    /// <summary>PCI segment of the whole tree (default 0).</summary>
    public int Segment { get; set; }

    /// <summary>The functions on the root bus.</summary>
    public List<TopologyNode>? Devices { get; set; }
}

/// <summary>One function in a topology file; bridges carry the functions behind them in <see cref="Children"/>.</summary>
public sealed class TopologyNode
{
    /// <summary>Device and function on its bus, <c>DD.F</c> (hex), e.g. <c>1f.2</c>.</summary>
    public string? Slot { get; set; }

    /// <summary>Device model name from the catalogue.</summary>
    public string? Model { get; set; }

    /// <summary>Bound driver; absent = the model's default, empty = unbound.</summary>
    public string? Driver { get; set; }

    /// <summary>Whether a port implements ACS (ports only; absent = the model's default).</summary>
    public bool? Acs { get; set; }

    /// <summary>NUMA node (absent = 0).</summary>
    public int? NumaNode { get; set; }

    /// <summary>Functions behind this bridge, on its secondary bus.</summary>
    public List<TopologyNode>? Children { get; set; }
}

/// <summary>Source-generated JSON metadata for topology files; unknown keys are errors.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(TopologyDocument))]
public sealed partial class TopologyJsonContext : JsonSerializerContext;
