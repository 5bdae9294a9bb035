using Passage.Host.Devices;

namespace Passage.Vpci.Tests;

/// <summary>A host device whose config region reads a fixed byte and records writes; other members are not used.</summary>
internal sealed class HostStub(byte fill = 0xFF) : IHostDevice
{
    public List<(ulong Offset, byte[] Data)> ConfigWrites { get; } = [];

    public int ConfigReads { get; private set; }

    public DeviceInfo Info => new(DeviceFlags.Pci, VfioRegion.PciCount, VfioIrq.PciCount);

    public Errno Read(int region, ulong offset, Span<byte> data)
    {
        ConfigReads++;
        data.Fill(fill);
        return Errno.None;
    }

    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        ConfigWrites.Add((offset, data.ToArray()));
        return Errno.None;
    }

    public RegionInfo GetRegionInfo(int index) => throw new NotSupportedException();

    public IMappedArea Map(int region, int area) => throw new NotSupportedException();

    public IrqInfo GetIrqInfo(int index) => throw new NotSupportedException();

    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data) => throw new NotSupportedException();

    public void Reset() => throw new NotSupportedException();

    public HotResetInfo GetHotResetInfo() => throw new NotSupportedException();

    public void HotReset(HotResetProof proof) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
