using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Vpci.Tests.Function;

/// <summary>
/// A host device with a hand-built layout, for what the lab's models do not have (unknown
/// capability IDs, MSI-X in an I/O BAR or beyond its BAR, a table at 8 mod 16, sub-page BARs, maps
/// or resets that fail, IRQ counts that differ from the capabilities): config space from a
/// <see cref="ConfigSpaceBuilder"/>, stored raw (writes land as written, no host policy), BARs
/// backed by byte arrays, every call the virtual function makes recorded in order, and a
/// duplicate of each eventfd SET_IRQS wires kept so a test can fire a vector as the device would.
/// </summary>
internal sealed class LayoutHostDevice : IHostDevice
{
    private readonly Lock _lock = new();
    private readonly byte[] _config;
    private const ulong MaxBacking = 1 << 20;

    private readonly byte[]?[] _bars = new byte[6][];
    private readonly ulong[] _barSizes = new ulong[6];
    private readonly RegionFlags[] _barFlags = new RegionFlags[6];
    private readonly IReadOnlyList<SparseArea>[] _areas = new IReadOnlyList<SparseArea>[6];
    private readonly List<string> _events = [];
    private readonly Dictionary<(int Index, int Vector), EventFd> _triggers = [];

    /// <summary>Creates the device; each of <paramref name="bars"/> has its type bits written into the config space and a plain, unmappable region.</summary>
    public LayoutHostDevice(ConfigSpaceBuilder config, params (int Index, BarKind Kind, ulong Size)[] bars)
    {
        foreach ((int index, BarKind kind, _) in bars)
        {
            config.Bar(index, kind, 0);
        }

        _config = config.ToArray();
        foreach ((int index, _, ulong size) in bars)
        {
            WithBar(index, size);
        }
    }

    /// <summary>Every call in order: "config-write OFF LEN VALUE", "bar-read R OFF LEN", "bar-write R OFF LEN VALUE", "map R A", "unmap R A", "setirqs I S C FLAGS", "reset".</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Every mapping handed out, in order.</summary>
    public List<Mapping> Mappings { get; } = [];

    /// <summary>INTx count reported for index 0 (1 = the function has a usable pin).</summary>
    public uint IntxCount { get; init; } = 1;

    /// <summary>MSI vectors reported for index 1.</summary>
    public uint MsiCount { get; init; } = 1;

    /// <summary>MSI-X vectors reported for index 2.</summary>
    public uint MsixCount { get; init; }

    /// <summary>Whether MSI-X reports NORESIZE (MSI always does, as VFIO's).</summary>
    public bool MsixNoResize { get; init; }

    /// <summary>Maps throw (EIO), as a host that refuses to mmap.</summary>
    public bool FailMaps { get; init; }

    /// <summary>Reset throws (EINVAL), as a device without a reset method.</summary>
    public bool FailReset { get; init; }

    public DeviceInfo Info => new(DeviceFlags.Pci | DeviceFlags.Reset, VfioRegion.PciCount, VfioIrq.PciCount);

    /// <summary>The config bytes as the device holds them now.</summary>
    public ReadOnlySpan<byte> Config => _config;

    /// <summary>
    /// Gives BAR <paramref name="index"/> a region of <paramref name="size"/> bytes; mappable whole, or
    /// only <paramref name="areas"/> when given. Only the first MiB is backed (larger BARs are for sizing).
    /// </summary>
    public LayoutHostDevice WithBar(int index, ulong size, bool mappable = false, params SparseArea[] areas)
    {
        _bars[index] = new byte[Math.Min(size, MaxBacking)];
        _barSizes[index] = size;
        _barFlags[index] = RegionFlags.Read | RegionFlags.Write | (mappable ? RegionFlags.Mmap : RegionFlags.None);
        _areas[index] = areas;
        return this;
    }

    /// <summary>The bytes behind BAR <paramref name="index"/> (the device's own registers).</summary>
    public byte[] Bar(int index) => _bars[index] ?? throw new InvalidOperationException($"BAR{index} has no region");

    public RegionInfo GetRegionInfo(int index)
    {
        ulong offset = (ulong)index << 40;
        return index switch
        {
            >= 0 and < 6 when _bars[index] is not null => new RegionInfo(index, _barFlags[index], _barSizes[index], offset, _areas[index], false),
            >= 0 and < 6 or VfioRegion.Rom or VfioRegion.Vga => new RegionInfo(index, RegionFlags.None, 0, offset, [], false),
            VfioRegion.Config => new RegionInfo(index, RegionFlags.Read | RegionFlags.Write, (ulong)_config.Length, offset, [], false),
            _ => throw new HostDeviceException(Errno.EINVAL, $"region {index} does not exist"),
        };
    }

    public Errno Read(int region, ulong offset, Span<byte> data)
    {
        if (region != VfioRegion.Config)
        {
            Add($"bar-read {region} 0x{offset:x} {data.Length}");
        }

        byte[]? bytes = Backing(region);
        if (bytes is null || offset + (ulong)data.Length > (ulong)bytes.Length)
        {
            return Errno.EINVAL;
        }

        bytes.AsSpan((int)offset, data.Length).CopyTo(data);
        return Errno.None;
    }

    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        ulong value = 0;
        for (int i = 0; i < data.Length && i < 8; i++)
        {
            value |= (ulong)data[i] << (8 * i);
        }

        Add(region == VfioRegion.Config ? $"config-write 0x{offset:x} {data.Length} 0x{value:x}" : $"bar-write {region} 0x{offset:x} {data.Length} 0x{value:x}");
        byte[]? bytes = Backing(region);
        if (bytes is null || offset + (ulong)data.Length > (ulong)bytes.Length)
        {
            return Errno.EINVAL;
        }

        data.CopyTo(bytes.AsSpan((int)offset));
        return Errno.None;
    }

    public IMappedArea Map(int region, int area)
    {
        Add($"map {region} {area}");
        if (FailMaps)
        {
            throw new HostDeviceException(Errno.EIO, $"region {region} area {area} cannot be mapped");
        }

        RegionInfo info = GetRegionInfo(region);
        if ((info.Flags & RegionFlags.Mmap) == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"region {region} is not mappable");
        }

        SparseArea sparse = info.SparseAreas.Count == 0 ? new SparseArea(0, info.Size) : info.SparseAreas[area];
        var mapping = new Mapping(this, region, area, sparse.Offset, sparse.Size);
        lock (_lock)
        {
            Mappings.Add(mapping);
        }

        return mapping;
    }

    /// <summary>An endpoint config space with one MSI-X capability at 0x40 and nothing else.</summary>
    public static ConfigSpaceBuilder MsixLayout(ushort vendor, ushort device, int vectors, int tableBir, uint tableOffset, int pbaBir, uint pbaOffset) =>
        new ConfigSpaceBuilder(ConfigOffsets.ConventionalSize)
            .Identity(vendor, device, 0x020000)
            .Capability(0x40, CapabilityId.MsiX, CapabilityLayouts.Msix(vectors, tableBir, tableOffset, pbaBir, pbaOffset));

    public IrqInfo GetIrqInfo(int index) => index switch
    {
        VfioIrq.Intx => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.Maskable | IrqInfoFlags.Automasked, IntxCount),
        VfioIrq.Msi => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, MsiCount),
        VfioIrq.Msix => new IrqInfo(index, IrqInfoFlags.Eventfd | (MsixNoResize ? IrqInfoFlags.NoResize : 0), MsixCount),
        _ => new IrqInfo(index, IrqInfoFlags.Eventfd, 1),
    };

    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        Add($"setirqs {index} {start} {count} 0x{(uint)flags:x}");
        lock (_lock)
        {
            if (count == 0 && (flags & IrqSetFlags.DataNone) != 0)
            {
                foreach (var key in _triggers.Keys.Where(k => k.Index == index).ToList())
                {
                    _triggers.Remove(key, out EventFd? old);
                    old?.Dispose();
                }

                return 0;
            }

            if ((flags & IrqSetFlags.DataEventfd) == 0)
            {
                return 0;
            }

            for (int i = 0; i < count; i++)
            {
                int vector = (int)start + i;
                int fd = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
                if (_triggers.Remove((index, vector), out EventFd? old))
                {
                    old.Dispose();
                }

                if (fd >= 0)
                {
                    _triggers[(index, vector)] = EventFd.FromDuplicate(fd);
                }
            }

            return 0;
        }
    }

    /// <summary>Signals the eventfd wired to <paramref name="vector"/> of <paramref name="index"/>; false when none is.</summary>
    public bool Fire(int index, int vector)
    {
        lock (_lock)
        {
            if (!_triggers.TryGetValue((index, vector), out EventFd? trigger))
            {
                return false;
            }

            trigger.Signal();
            return true;
        }
    }

    public void Reset()
    {
        Add("reset");
        if (FailReset)
        {
            throw new HostDeviceException(Errno.EINVAL, "no function reset is available");
        }
    }

    public HotResetInfo GetHotResetInfo() => throw new HostDeviceException(Errno.ENODEV, "no bus reset");

    public void HotReset(HotResetProof proof) => throw new HostDeviceException(Errno.ENODEV, "no bus reset");

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (EventFd trigger in _triggers.Values)
            {
                trigger.Dispose();
            }

            _triggers.Clear();
        }
    }

    private byte[]? Backing(int region) => region switch
    {
        VfioRegion.Config => _config,
        >= 0 and < 6 => _bars[region],
        _ => null,
    };

    private void Add(string line)
    {
        lock (_lock)
        {
            _events.Add(line);
        }
    }

    /// <summary>One mapped area: a window onto the BAR's bytes until disposed.</summary>
    internal sealed class Mapping(LayoutHostDevice device, int region, int area, ulong offset, ulong size) : IMappedArea
    {
        public int Region => region;

        public int Area => area;

        public bool Disposed { get; private set; }

        public ulong Offset => offset;

        public ulong Size => size;

        public Span<byte> Span
        {
            get
            {
                ObjectDisposedException.ThrowIf(Disposed, this);
                return device.Bar(region).AsSpan((int)offset, (int)size);
            }
        }

        public void Dispose()
        {
            if (!Disposed)
            {
                Disposed = true;
                device.Add($"unmap {region} {area}");
            }
        }
    }
}
