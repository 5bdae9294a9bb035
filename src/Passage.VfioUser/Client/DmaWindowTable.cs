using Passage.Host.Devices;

namespace Passage.VfioUser.Client;

/// <summary>
/// The client's DMA windows: what the server may reach with DMA_READ/DMA_WRITE. Changed by the
/// thread that maps and unmaps, looked up by the thread serving the server's DMA messages; lookups
/// allocate nothing.
/// </summary>
internal sealed class DmaWindowTable
{
    private readonly Lock _lock = new();
    private readonly List<DmaWindow> _windows = [];

    /// <summary>The windows mapped.</summary>
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

    /// <summary>Adds <paramref name="window"/>; false when it overlaps one already there.</summary>
    public bool TryAdd(DmaWindow window)
    {
        lock (_lock)
        {
            foreach (DmaWindow existing in _windows)
            {
                if (existing.Overlaps(window.Address, window.Size))
                {
                    return false;
                }
            }

            _windows.Add(window);
            return true;
        }
    }

    /// <summary>The window that is exactly [<paramref name="address"/>, + <paramref name="size"/>), or null.</summary>
    public DmaWindow? Find(ulong address, ulong size)
    {
        lock (_lock)
        {
            foreach (DmaWindow window in _windows)
            {
                if (window.Address == address && window.Size == size)
                {
                    return window;
                }
            }

            return null;
        }
    }

    /// <summary>Removes <paramref name="window"/> (by identity); false when it is not there.</summary>
    public bool Remove(DmaWindow window)
    {
        lock (_lock)
        {
            for (int i = 0; i < _windows.Count; i++)
            {
                if (ReferenceEquals(_windows[i], window))
                {
                    _windows.RemoveAt(i);
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The buffer and offset serving [<paramref name="address"/>, + <paramref name="count"/>): one
    /// window must hold the whole range (a count of 0 needs the address inside a window), have a
    /// buffer, and be writable when <paramref name="write"/>. EINVAL when no window holds the range
    /// or it has no buffer, EPERM when a write meets a read-only window.
    /// </summary>
    public Errno Resolve(ulong address, ulong count, bool write, out IDmaBuffer? buffer, out ulong offset)
    {
        buffer = null;
        offset = 0;
        lock (_lock)
        {
            foreach (DmaWindow window in _windows)
            {
                if (address < window.Address || address > window.Last)
                {
                    continue;
                }

                offset = address - window.Address;
                if (count > window.Size - offset || window.Buffer is null)
                {
                    return Errno.EINVAL;
                }

                if (write && !window.Writable)
                {
                    return Errno.EPERM;
                }

                buffer = window.Buffer;
                return Errno.None;
            }
        }

        return Errno.EINVAL;
    }
}
