namespace Passage.Store.Watches;

/// <summary>Every registered watch of every connection, indexed by watched path so firing looks up a changed path's ancestors only.</summary>
internal sealed class WatchTable
{
    private readonly Dictionary<string, List<Watch>> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Watch>>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public WatchTable()
    {
        _lookup = _byPath.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Number of registered watches.</summary>
    public int Count { get; private set; }

    /// <summary>Registers a watch.</summary>
    public void Add(Watch watch)
    {
        if (!_byPath.TryGetValue(watch.Path, out List<Watch>? list))
        {
            list = [];
            _byPath.Add(watch.Path, list);
        }

        list.Add(watch);
        Count++;
    }

    /// <summary>Unregisters a watch.</summary>
    public void Remove(Watch watch)
    {
        if (_byPath.TryGetValue(watch.Path, out List<Watch>? list) && list.Remove(watch))
        {
            Count--;
            if (list.Count == 0)
            {
                _byPath.Remove(watch.Path);
            }
        }
    }

    /// <summary>The watches on exactly <paramref name="path"/>, null when none.</summary>
    public List<Watch>? On(ReadOnlySpan<char> path) => _lookup.TryGetValue(path, out List<Watch>? list) ? list : null;
}
