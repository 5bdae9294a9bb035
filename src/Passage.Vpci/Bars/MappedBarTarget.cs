using Passage.Host.Devices;

namespace Passage.Vpci.Bars;

/// <summary>
/// A mappable area of a BAR mapped straight through: guest accesses are memory copies, no host
/// call. A mapping the host revoked (reset, recovery) reads all ones and drops writes until the
/// window is rebuilt, instead of failing the guest's access.
/// </summary>
internal sealed class MappedBarTarget(IMappedArea area) : IBarTarget
{
    /// <summary>The mapping, disposed when the window leaves the bus.</summary>
    public IMappedArea Area => area;

    /// <inheritdoc />
    public void Read(ulong barOffset, Span<byte> data)
    {
        try
        {
            area.Span.Slice((int)(barOffset - area.Offset), data.Length).CopyTo(data);
        }
        catch (ObjectDisposedException)
        {
            data.Fill(0xFF);
        }
    }

    /// <inheritdoc />
    public void Write(ulong barOffset, ReadOnlySpan<byte> data)
    {
        try
        {
            data.CopyTo(area.Span.Slice((int)(barOffset - area.Offset), data.Length));
        }
        catch (ObjectDisposedException)
        {
            // Revoked: dropped, as a write to an undecoded BAR.
        }
    }
}
