using Passage.Host.Devices;

namespace Passage.Vpci.Bars;

/// <summary>Part of a BAR the host does not let us map: each access is a region read or write on the host device, at the guest's width.</summary>
internal sealed class ForwardedBarTarget(IHostDevice device, int region) : IBarTarget
{
    /// <inheritdoc />
    public void Read(ulong barOffset, Span<byte> data)
    {
        if (device.Read(region, barOffset, data) != Errno.None)
        {
            data.Fill(0xFF);
        }
    }

    /// <inheritdoc />
    public void Write(ulong barOffset, ReadOnlySpan<byte> data) => _ = device.Write(region, barOffset, data);
}
