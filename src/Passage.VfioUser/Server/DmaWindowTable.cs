using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

/// <summary>
/// A client's DMA windows, sorted by address and never overlapping (vfio-user.md §4: DMA_MAP,
/// DMA_UNMAP). Copies through a mapped window run under the table's lock, so an unmap waits for
/// them ("all references, in-flight DMA included, released first"); message-based accesses only
/// look their window up under it and never hold it while waiting for the client.
/// </summary>
internal sealed class DmaWindowTable : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<DmaWindow> _windows = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _windows.Count;
            }
        }
    }

    /// <summary>
    /// Adds the window <paramref name="map"/> describes (taking ownership of <paramref name="file"/>,
    /// closed on failure): EEXIST when it overlaps a window, ENOSPC when <paramref name="maxWindows"/>
    /// are held, the mapping's errno when the fd cannot be mapped.
    /// </summary>
    public Errno Add(in VfioUserDmaMap map, FileDescriptorHandle? file, ulong maxWindows)
    {
        lock (_lock)
        {
            Errno refused = Refusal(map.Address, map.Address + map.Size, maxWindows);
            if (refused != Errno.None)
            {
                file?.Dispose();
                return refused;
            }
        }

        // Mapping happens outside the lock (it may take a while for a large window); the check is
        // repeated before the window goes in, since DMA_MAP is only ever handled by one thread
        // this cannot fail, but the table does not rely on that.
        DmaWindow window;
        try
        {
            window = DmaWindow.Create(map, file);
        }
        catch (HostDeviceException e)
        {
            return e.Errno;
        }

        lock (_lock)
        {
            Errno refused = Refusal(window.Address, window.End, maxWindows);
            if (refused != Errno.None)
            {
                window.Dispose();
                return refused;
            }

            int at = _windows.FindIndex(w => w.Address > window.Address);
            _windows.Insert(at < 0 ? _windows.Count : at, window);
            return Errno.None;
        }
    }

    /// <summary>Removes the window that is exactly [<paramref name="address"/>, +<paramref name="size"/>); false when none is.</summary>
    public bool Remove(ulong address, ulong size)
    {
        DmaWindow? removed = null;
        lock (_lock)
        {
            int index = _windows.FindIndex(w => w.Address == address && w.Size == size);
            if (index >= 0)
            {
                removed = _windows[index];
                _windows.RemoveAt(index);

                // Disposed under the lock: no copy through it can be running or start.
                removed.Dispose();
            }
        }

        return removed is not null;
    }

    /// <summary>Removes every window; returns how many there were.</summary>
    public int RemoveAll()
    {
        lock (_lock)
        {
            int count = _windows.Count;
            foreach (DmaWindow window in _windows)
            {
                window.Dispose();
            }

            _windows.Clear();
            return count;
        }
    }

    public IReadOnlyList<VfioUserDmaWindow> Snapshot()
    {
        lock (_lock)
        {
            return [.. _windows.Select(w => w.Describe())];
        }
    }

    /// <summary>Whether every byte of [<paramref name="address"/>, +<paramref name="length"/>) lies in windows allowing the access.</summary>
    public bool Covers(ulong address, ulong length, bool write)
    {
        lock (_lock)
        {
            ulong at = address;
            ulong end = address + length;
            while (at < end)
            {
                DmaWindow? window = Find(at);
                if (window is null || !window.Allows(write))
                {
                    return false;
                }

                at = Math.Min(end, window.End);
            }

            return true;
        }
    }

    /// <summary>
    /// The part of an access at <paramref name="address"/> that one window serves: copied into
    /// <paramref name="destination"/> when the window is mapped (<paramref name="byMessage"/> false),
    /// or only measured when the client must be asked. Returns the bytes of that part, or −1 when
    /// no window allowing the read holds <paramref name="address"/>.
    /// </summary>
    public int Read(ulong address, Span<byte> destination, out bool byMessage)
    {
        lock (_lock)
        {
            byMessage = false;
            DmaWindow? window = Find(address);
            if (window is null || !window.Allows(write: false))
            {
                return -1;
            }

            int length = (int)Math.Min((ulong)destination.Length, window.End - address);
            if (window.IsMapped)
            {
                window.Read(address - window.Address, destination[..length]);
            }
            else
            {
                byMessage = true;
            }

            return length;
        }
    }

    /// <summary>As <see cref="Read"/>, writing <paramref name="source"/>.</summary>
    public int Write(ulong address, ReadOnlySpan<byte> source, out bool byMessage)
    {
        lock (_lock)
        {
            byMessage = false;
            DmaWindow? window = Find(address);
            if (window is null || !window.Allows(write: true))
            {
                return -1;
            }

            int length = (int)Math.Min((ulong)source.Length, window.End - address);
            if (window.IsMapped)
            {
                window.Write(address - window.Address, source[..length]);
            }
            else
            {
                byMessage = true;
            }

            return length;
        }
    }

    public void Dispose() => RemoveAll();

    private Errno Refusal(ulong start, ulong end, ulong maxWindows) =>
        (ulong)_windows.Count >= maxWindows ? Errno.ENOSPC
        : _windows.Exists(w => w.Address < end && start < w.End) ? Errno.EEXIST
        : Errno.None;

    // The windows are sorted and disjoint: the last one starting at or below the address is the only candidate.
    private DmaWindow? Find(ulong address)
    {
        int low = 0, high = _windows.Count - 1;
        DmaWindow? candidate = null;
        while (low <= high)
        {
            int middle = low + ((high - low) / 2);
            if (_windows[middle].Address <= address)
            {
                candidate = _windows[middle];
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return candidate is not null && candidate.Contains(address) ? candidate : null;
    }
}
