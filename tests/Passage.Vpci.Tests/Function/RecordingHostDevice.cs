using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.Vpci.Tests.Function;

/// <summary>
/// A host device decorator that records what the virtual function asks of the device — SET_IRQS
/// calls with their eventfd lists, config writes, maps and resets, in one ordered log — and can
/// pretend the host has fewer MSI-X vectors (a positive SET_IRQS return, as VFIO gives).
/// </summary>
internal sealed class RecordingHostDevice(IHostDevice inner) : IHostDevice
{
    private readonly Lock _lock = new();

    public List<IrqCall> IrqCalls { get; } = [];

    /// <summary>Every call in order: "setirqs …", "config-write OFF LEN VALUE", "map R A", "reset".</summary>
    public List<string> Events { get; } = [];

    /// <summary>When set, an MSI-X enable or wiring reaching beyond this many vectors returns this number (nothing enabled).</summary>
    public int? MsixAvailable { get; set; }

    /// <summary>Called at each config write with its offset (to observe the bus at that moment).</summary>
    public Action<ulong>? OnConfigWrite { get; set; }

    public IHostDevice Inner => inner;

    public DeviceInfo Info => inner.Info;

    public RegionInfo GetRegionInfo(int index) => inner.GetRegionInfo(index);

    public Errno Read(int region, ulong offset, Span<byte> data) => inner.Read(region, offset, data);

    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
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
}
