namespace Passage.Store.Persistence;

/// <summary>
/// One committed node as persisted: its absolute path, raw value, permission list in the
/// comma-separated text form (<c>n0,r5</c>: owner first), child names in insertion order, and the
/// generation of its last write.
/// </summary>
public sealed record PersistedNode(string Path, byte[] Value, string Permissions, IReadOnlyList<string> Children, ulong Generation);
