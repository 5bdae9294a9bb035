namespace Passage.Cli.Json;

/// <summary><c>passage store read|ls --json</c>: one node, its value with non-printable bytes escaped as <c>\xNN</c>, and its permissions when asked for.</summary>
internal sealed class StoreNodeJson
{
    public string Path { get; set; } = string.Empty;

    public string Value { get; set; } = string.Empty;

    /// <summary>Permission entries owner first (<c>n0</c>, <c>r5</c>); absent unless asked for.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Permissions { get; set; }
}
