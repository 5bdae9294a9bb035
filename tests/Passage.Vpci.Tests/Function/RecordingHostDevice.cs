using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.Vpci.Tests.Function;

/// <summary>
/// A host device decorator that records what the virtual function asks of the device — SET_IRQS
/// calls with their eventfd lists, config writes, maps and resets, in one ordered log; BAR region
/// reads and writes with their widths — and can pretend the host has fewer MSI or MSI-X vectors
/// (a positive SET_IRQS return, as VFIO gives), refuses an IRQ index, or fails BAR accesses.
/// </summary>
internal sealed class RecordingHostDevice(IHostDevice inner) : IHostDevice
{
    private readonly Lock _lock = new();

    public List<IrqCall> IrqCalls { get; } = [];

    /// <summary>Every call in order: "setirqs …", "config-write OFF LEN VALUE", "map R A", "reset".</summary>
    public List<string> Events { get; } = [];

    /// <summary>When set, an MSI-X enable or wiring reaching beyond this many vectors returns this number (nothing enabled).</summary>
    public int? MsixAvailable { get; set; }

    /// <summary>When set, an MSI enable reaching beyond this many vectors returns this number (nothing enabled).</summary>
    public int? MsiAvailable { get; set; }

    /// <summary>When set, SET_IRQS calls carrying eventfds on this index fail with EINVAL, as a host that refuses them.</summary>
    public int? RefuseIrqIndex { get; set; }

    /// <summary>Every read and write of a BAR region (0–5) that reached this decorator, in order.</summary>
    public List<BarAccess> BarAccesses { get; } = [];

    /// <summary>When set, BAR region reads and writes fail with this errno without reaching the device (a failed read leaves zeros).</summary>
    public Errno? FailBarAccess { get; set; }

    /// <summary>Called at each config write with its offset (to observe the bus at that moment).</summary>
    public Action<ulong>? OnConfigWrite { get; set; }

    public IHostDevice Inner => inner;

    public DeviceInfo Info => inner.Info;

    public RegionInfo GetRegionInfo(int index) => inner.GetRegionInfo(index);

    public Errno Read(int region, ulong offset, Span<byte> data)
    {
        if (region > VfioRegion.Bar5)
        {
            return inner.Read(region, offset, data);
        }

        Errno result = FailBarAccess ?? inner.Read(region, offset, data);
        if (FailBarAccess is not null)
        {
            data.Clear();
        }

        AddBarAccess(new BarAccess(false, region, offset, data.Length, Value(data)));
        return result;
    }

    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        if (region <= VfioRegion.Bar5)
        {
            AddBarAccess(new BarAccess(true, region, offset, data.Length, Value(data)));
            if (FailBarAccess is Errno failure)
            {
                return failure;
            }
        }

        if (region == VfioRegion.Config)
        {
            ulong value = 0;
            for (int i = 0; i < data.Length && i < 8; i++)
            {
                value |= (ulong)data[i] << (8 * i);
            }

            Add($"config-write 0x{offset:x} {data.Length} 0x{value:x}");
            OnConfigWrite?.Invoke(offset);
        }

        return inner.Write(region, offset, data);
    }

    public IMappedArea Map(int region, int area)
    {
        Add($"map {region} {area}");
        return inner.Map(region, area);
    }

    public IrqInfo GetIrqInfo(int index) => inner.GetIrqInfo(index);

    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        int[] fds = (flags & IrqSetFlags.DataEventfd) != 0 ? new int[count] : [];
        for (int i = 0; i < fds.Length; i++)
        {
            fds[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
        }

        var call = new IrqCall(index, start, count, flags, fds);
        lock (_lock)
        {
            IrqCalls.Add(call);
        }

        Add($"setirqs {index} {start} {count} 0x{(uint)flags:x}");
        if (RefuseIrqIndex == index && (flags & IrqSetFlags.DataEventfd) != 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"SET_IRQS on index {index} refused");
        }

        if (index == VfioIrq.Msi && MsiAvailable is int msiAvailable && (flags & IrqSetFlags.DataEventfd) != 0 && start + count > msiAvailable)
        {
            return msiAvailable;
        }

        if (index == VfioIrq.Msix && MsixAvailable is int available && (flags & IrqSetFlags.DataEventfd) != 0 && start + count > available)
        {
            return available;
        }

        return inner.SetIrqs(index, start, count, flags, data);
    }

    public void Reset()
    {
        Add("reset");
        inner.Reset();
    }

    public HotResetInfo GetHotResetInfo() => inner.GetHotResetInfo();

    public void HotReset(HotResetProof proof) => inner.HotReset(proof);

    public void Dispose() => inner.Dispose();

    /// <summary>SET_IRQS calls on <paramref name="index"/>.</summary>
    public List<IrqCall> CallsOn(int index)
    {
        lock (_lock)
        {
            return IrqCalls.FindAll(c => c.Index == index);
        }
    }

    private static ulong Value(ReadOnlySpan<byte> data)
    {
        ulong value = 0;
        for (int i = 0; i < data.Length && i < 8; i++)
        {
            value |= (ulong)data[i] << (8 * i);
        }

        return value;
    }

    private void AddBarAccess(BarAccess access)
    {
        lock (_lock)
        {
            BarAccesses.Add(access);
        }
    }

    private void Add(string line)
    {
        lock (_lock)
        {
            Events.Add(line);
        }
    }

    /// <summary>One SET_IRQS call.</summary>
    public sealed record IrqCall(int Index, uint Start, uint Count, IrqSetFlags Flags, int[] Fds)
    {
        public bool IsDisable => Count == 0 && (Flags & IrqSetFlags.DataNone) != 0;
    }

    /// <summary>One BAR region access: its direction, region, offset, width and the bytes moved (little-endian, first 8).</summary>
    public sealed record BarAccess(bool IsWrite, int Region, ulong Offset, int Length, ulong Value);
}
