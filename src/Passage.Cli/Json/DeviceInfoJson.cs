using System.Text.Json.Serialization;

namespace Passage.Cli.Json;

/// <summary><c>passage device info --json</c>: a function as an open host device shows itself.</summary>
internal sealed class DeviceInfoJson
{
    public string Address { get; set; } = string.Empty;

    /// <summary><c>sim</c> or <c>vfio</c>.</summary>
    public string Backend { get; set; } = string.Empty;

    public List<string> Flags { get; set; } = [];

    public List<RegionJson> Regions { get; set; } = [];

    public List<IrqJson> Irqs { get; set; } = [];

    public bool Resettable { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ControlBlockJson? ControlBlock { get; set; }
}

internal sealed class RegionJson
{
    public int Index { get; set; }

    public string Name { get; set; } = string.Empty;

    public ulong Size { get; set; }

    public List<string> Flags { get; set; } = [];

    public List<SparseAreaJson> SparseAreas { get; set; } = [];

    public bool MsixMappable { get; set; }
}

internal sealed class SparseAreaJson
{
    public ulong Offset { get; set; }

    public ulong Size { get; set; }
}

internal sealed class IrqJson
{
    public int Index { get; set; }

    public string Name { get; set; } = string.Empty;

    public uint Count { get; set; }

    public List<string> Flags { get; set; } = [];
}

/// <summary>A simulated model's control block: where it sits and its documented registers.</summary>
internal sealed class ControlBlockJson
{
    public int Bar { get; set; }

    public ulong Offset { get; set; }

    public List<RegisterJson> Registers { get; set; } = [];
}

internal sealed class RegisterJson
{
    public string Name { get; set; } = string.Empty;

    public ulong Offset { get; set; }

    public int Size { get; set; }

    /// <summary><c>rw</c>, <c>ro</c> or <c>wo</c>.</summary>
    public string Access { get; set; } = string.Empty;

    public string Description { get; set; } = string.Empty;
}
