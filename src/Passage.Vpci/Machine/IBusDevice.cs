namespace Passage.Vpci.Machine;

/// <summary>Something on the guest's address bus; it sees offsets within its range, never absolute addresses.</summary>
public interface IBusDevice
{
    /// <summary>Reads <paramref name="data"/>.Length bytes at <paramref name="offset"/>.</summary>
    void Read(ulong offset, Span<byte> data);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>.</summary>
    void Write(ulong offset, ReadOnlySpan<byte> data);
}
