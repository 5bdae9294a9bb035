using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

/// <summary>A bus device every byte of which reads <c>fill</c>; writes are dropped.</summary>
internal sealed class StubBusDevice(byte fill) : IBusDevice
{
    public void Read(ulong offset, Span<byte> data) => data.Fill(fill);

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
    }
}
