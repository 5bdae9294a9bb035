using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;

namespace Passage.Scenarios.Harness;

/// <summary>
/// A host device as the guest's machine reaches it, with a busy device behind: once armed, the
/// next time MSI-X is disabled at the host (a NORESIZE reallocation disables the index before
/// re-enabling it larger) the device is made to raise the armed vectors through its own DOORBELL
/// before the call returns — exactly inside the window where the device has no MSI-X to send with.
/// </summary>
internal sealed class GapDoorbellDevice(IHostDevice inner, SimDevice sim) : IHostDevice
{
    private int[] _armed = [];

    /// <summary>MSI-X disables inside which armed doorbells were rung.</summary>
    public int GapsRung { get; private set; }

    /// <inheritdoc />
    public DeviceInfo Info => inner.Info;

    /// <summary>Rings <paramref name="vectors"/> inside the next MSI-X disable, once.</summary>
    public void Arm(params int[] vectors) => Volatile.Write(ref _armed, vectors);

    /// <inheritdoc />
    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        int result = inner.SetIrqs(index, start, count, flags, data);
        bool disable = index == VfioIrq.Msix && count == 0 && (flags & IrqSetFlags.DataNone) != 0;
        if (!disable || Interlocked.Exchange(ref _armed, []) is not { Length: > 0 } armed)
        {
            return result;
        }

        SimControlBlock block = sim.Function.Model.ControlBlock!;
        Span<byte> value = stackalloc byte[4];
        foreach (int vector in armed)
        {
            BinaryPrimitives.WriteInt32LittleEndian(value, vector);
            _ = sim.Write(block.Bar, block.Offset + SimControlBlock.Doorbell, value);
        }

        GapsRung++;
        return result;
    }

    /// <inheritdoc />
    public RegionInfo GetRegionInfo(int index) => inner.GetRegionInfo(index);

    /// <inheritdoc />
    public Errno Read(int region, ulong offset, Span<byte> data) => inner.Read(region, offset, data);

    /// <inheritdoc />
    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data) => inner.Write(region, offset, data);

    /// <inheritdoc />
    public IMappedArea Map(int region, int area) => inner.Map(region, area);

    /// <inheritdoc />
    public IrqInfo GetIrqInfo(int index) => inner.GetIrqInfo(index);

    /// <inheritdoc />
    public void Reset() => inner.Reset();

    /// <inheritdoc />
    public HotResetInfo GetHotResetInfo() => inner.GetHotResetInfo();

    /// <inheritdoc />
    public void HotReset(HotResetProof proof) => inner.HotReset(proof);

    /// <summary>The device underneath belongs to the transport; nothing to release here.</summary>
    public void Dispose()
    {
    }
}
