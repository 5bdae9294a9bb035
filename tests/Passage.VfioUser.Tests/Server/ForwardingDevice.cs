using System.Buffers.Binary;
using System.Collections.Concurrent;
using Passage.Host.Devices;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// A host device that forwards to another and is not an <see cref="IRegionFileSource"/> (so it
/// hands out no region files), recording every SetIrqs and answering the ones
/// <see cref="SetIrqsOverride"/> claims itself (a device with fewer vectors than asked, for example).
/// </summary>
internal sealed class ForwardingDevice(IHostDevice inner) : IHostDevice
{
    public ConcurrentQueue<(int Index, uint Start, uint Count, IrqSetFlags Flags, int[] Fds)> SetIrqsCalls { get; } = new();

    /// <summary>Returns a value to answer a SetIrqs call instead of the device, or null to forward it.</summary>
    public Func<int, uint, uint, IrqSetFlags, int?>? SetIrqsOverride { get; set; }

    public DeviceInfo Info => inner.Info;

    public RegionInfo GetRegionInfo(int index) => inner.GetRegionInfo(index);

    public Errno Read(int region, ulong offset, Span<byte> data) => inner.Read(region, offset, data);

    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data) => inner.Write(region, offset, data);

    public IMappedArea Map(int region, int area) => inner.Map(region, area);

    public IrqInfo GetIrqInfo(int index) => inner.GetIrqInfo(index);

    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        int[] fds = new int[(flags & IrqSetFlags.DataEventfd) != 0 ? data.Length / 4 : 0];
        for (int i = 0; i < fds.Length; i++)
        {
            fds[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
        }

        SetIrqsCalls.Enqueue((index, start, count, flags, fds));
        return SetIrqsOverride?.Invoke(index, start, count, flags) ?? inner.SetIrqs(index, start, count, flags, data);
    }

    public void Reset() => inner.Reset();

    public HotResetInfo GetHotResetInfo() => inner.GetHotResetInfo();

    public void HotReset(HotResetProof proof) => inner.HotReset(proof);

    public void Dispose()
    {
        // The inner device belongs to the test harness.
    }
}
