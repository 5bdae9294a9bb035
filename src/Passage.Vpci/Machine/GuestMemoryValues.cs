using System.Buffers.Binary;

namespace Passage.Vpci.Machine;

/// <summary>Register-style accesses of 1, 2, 4 or 8 bytes, little-endian, as a CPU's loads and stores make them; no allocation.</summary>
public static class GuestMemoryValues
{
    /// <summary>Reads <paramref name="size"/> (1–8) bytes at <paramref name="address"/> as a little-endian value (all ones where nothing answers).</summary>
    public static ulong ReadValue(this IGuestMemory memory, ulong address, int size)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 8);
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        memory.ReadMemory(address, bytes[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Writes the low <paramref name="size"/> (1–8) bytes of <paramref name="value"/> at <paramref name="address"/>, little-endian.</summary>
    public static void WriteValue(this IGuestMemory memory, ulong address, int size, ulong value)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 8);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        memory.WriteMemory(address, bytes[..size]);
    }
}
