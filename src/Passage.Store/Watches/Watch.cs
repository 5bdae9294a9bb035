using Passage.Store.Engine;
using Passage.Store.Tree;

namespace Passage.Store.Watches;

/// <summary>
/// A registered watch: the connection it belongs to, the absolute path (or special name) it
/// watches, the path and token exactly as registered, and the optional depth limit (-1: none).
/// </summary>
internal sealed class Watch
{
    public Watch(StoreConnection connection, string path, PathKind kind, byte[] registeredPath, byte[] token, int depth)
    {
        Connection = connection;
        Path = path;
        Kind = kind;
        RegisteredPath = registeredPath;
        Token = token;
        Depth = depth;
    }

    /// <summary>The watching connection.</summary>
    public StoreConnection Connection { get; }

    /// <summary>The absolute path or special name watched.</summary>
    public string Path { get; }

    /// <summary>Relative watches report relative event paths.</summary>
    public PathKind Kind { get; }

    /// <summary>The path as the client sent it (the initial event echoes it).</summary>
    public byte[] RegisteredPath { get; }

    /// <summary>The client's token.</summary>
    public byte[] Token { get; }

    /// <summary>Levels below <see cref="Path"/> that still fire; -1 for any.</summary>
    public int Depth { get; }

    /// <summary>True when a change at <paramref name="changed"/> (at or below the watched path) is within the depth limit.</summary>
    public bool Reaches(ReadOnlySpan<char> changed) => Depth < 0 || StorePath.Depth(changed, Path) <= Depth;
}
