using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Function;

/// <summary>Stands in for guest RAM on a bare bus: claims its range so no BAR lands there, reads 0, drops writes.</summary>
internal sealed class NullBusDevice : IBusDevice
{
    public void Read(ulong offset, Span<byte> data) => data.Clear();

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
    }
}
