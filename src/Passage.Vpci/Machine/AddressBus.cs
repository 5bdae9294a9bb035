namespace Passage.Vpci.Machine;

/// <summary>
/// The guest's address space as non-overlapping ranges, each served by one device. An access
/// that no range claims whole reads all ones and is dropped on write; lookups are a binary search
/// over a sorted array and do not allocate.
/// </summary>
public sealed class AddressBus : IGuestMemory
{
    private readonly Lock _lock = new();
    private Range[] _ranges = [];

    /// <summary>Claimed ranges, sorted by base.</summary>
    public int Count => _ranges.Length;

    /// <summary>Claims [<paramref name="baseAddress"/>, +<paramref name="length"/>) for <paramref name="device"/>; false when it overlaps a claimed range or is empty or wraps.</summary>
    public bool Insert(ulong baseAddress, ulong length, IBusDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (length == 0 || baseAddress + length < baseAddress)
        {
            return false;
        }

        lock (_lock)
        {
            foreach (Range r in _ranges)
            {
                if (baseAddress < r.Base + r.Length && r.Base < baseAddress + length)
                {
                    return false;
                }
            }

            // Copy-on-write: accesses walk the array they loaded; claims change rarely (BAR moves).
            _ranges = [.. _ranges.Append(new Range(baseAddress, length, device)).OrderBy(r => r.Base)];
            return true;
        }
    }

    /// <summary>Releases the range starting at <paramref name="baseAddress"/>; false when none starts there.</summary>
    public bool Remove(ulong baseAddress)
    {
        lock (_lock)
        {
            Range[] kept = [.. _ranges.Where(r => r.Base != baseAddress)];
            bool removed = kept.Length != _ranges.Length;
            _ranges = kept;
            return removed;
        }
    }

    /// <summary>Reads <paramref name="data"/>.Length bytes at <paramref name="address"/>; returns whether a device served it.</summary>
    public bool Read(ulong address, Span<byte> data)
    {
        if (Find(address, (ulong)data.Length) is { } r)
        {
            r.Device.Read(address - r.Base, data);
            return true;
        }

        data.Fill(0xFF);
        return false;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="address"/>; returns whether a device took it.</summary>
    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (Find(address, (ulong)data.Length) is { } r)
        {
            r.Device.Write(address - r.Base, data);
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    bool IGuestMemory.ReadMemory(ulong address, Span<byte> data) => Read(address, data);

    /// <inheritdoc />
    bool IGuestMemory.WriteMemory(ulong address, ReadOnlySpan<byte> data) => Write(address, data);

    private Range? Find(ulong address, ulong length)
    {
        Range[] ranges = Volatile.Read(ref _ranges);
        int lo = 0;
        int hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            Range r = ranges[mid];
            if (address < r.Base)
            {
                hi = mid - 1;
            }
            else if (address - r.Base >= r.Length)
            {
                lo = mid + 1;
            }
            else
            {
                // The whole access must fall inside the one range.
                return length <= r.Length - (address - r.Base) ? r : null;
            }
        }

        return null;
    }

    private sealed record Range(ulong Base, ulong Length, IBusDevice Device);
}
