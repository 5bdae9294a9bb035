namespace Passage.Vpci.Machine;

/// <summary>A guest-physical address space: the machine's memory, or a bare <see cref="AddressBus"/>.</summary>
public interface IGuestMemory
{
    /// <summary>Reads <paramref name="data"/>.Length bytes at <paramref name="address"/>; an access no range claims whole reads all ones. Returns whether a device served it.</summary>
    bool ReadMemory(ulong address, Span<byte> data);

    /// <summary>Writes <paramref name="data"/> at <paramref name="address"/>; an access no range claims whole is dropped. Returns whether a device took it.</summary>
    bool WriteMemory(ulong address, ReadOnlySpan<byte> data);
}
