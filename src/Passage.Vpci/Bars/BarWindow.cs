using Passage.Vpci.Machine;

namespace Passage.Vpci.Bars;

/// <summary>One piece of a BAR on the MMIO bus: bus offsets become BAR offsets from <paramref name="barOffset"/>.</summary>
internal sealed class BarWindow(IBarTarget target, ulong barOffset) : IBusDevice
{
    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data) => target.Read(barOffset + offset, data);

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data) => target.Write(barOffset + offset, data);
}
