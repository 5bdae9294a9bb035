using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// The bytes behind one BAR, on shared memory (a memfd) so that its mappable parts can be mapped
/// into a guest's address space and seen by the device model as the same bytes. The memory is
/// created on the first write or map (untouched BARs read 0 and cost nothing), and its pages are
/// only backed once touched, so a 256 MiB VRAM aperture costs nothing until used.
/// </summary>
public sealed class BarStorage
{
    private MemFdMemory? _memory;

    /// <summary>Creates zeroed storage of <paramref name="length"/> bytes (at most 2 GiB).</summary>
    public BarStorage(ulong length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, (ulong)int.MaxValue);
        Length = length;
    }

    /// <summary>Size in bytes.</summary>
    public ulong Length { get; }

    /// <summary>Reads <paramref name="size"/> (1, 2, 4 or 8) bytes at a naturally aligned, in-range offset, little-endian.</summary>
    public ulong Read(ulong offset, int size)
    {
        if (_memory is not { } memory)
        {
            return 0;
        }

        ReadOnlySpan<byte> bytes = memory.Span.Slice((int)offset, size);
        return size switch
        {
            1 => bytes[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        };
    }

    /// <summary>Writes <paramref name="size"/> (1, 2, 4 or 8) bytes at a naturally aligned, in-range offset, little-endian.</summary>
    public void Write(ulong offset, int size, ulong value)
    {
        Span<byte> bytes = Memory().Span.Slice((int)offset, size);
        switch (size)
        {
            case 1:
                bytes[0] = (byte)value;
                break;
            case 2:
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
                break;
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value);
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
                break;
        }
    }

    /// <summary>A shared mapping of a page-aligned part of the BAR: the device sees what is written through it.</summary>
    /// <exception cref="HostDeviceException">EINVAL: the range is not page-aligned or not inside the BAR.</exception>
    public IMappedArea Map(ulong offset, ulong size) => Memory().MapRange(offset, size);

    /// <summary>A new descriptor for the BAR's shared memory (offset 0 = BAR offset 0), for a process that maps it itself; owned by the caller.</summary>
    public FileDescriptorHandle OpenDescriptor() => Memory().DuplicateDescriptor();

    /// <summary>Returns every byte to 0 (a reset); mappings stay valid and read zeros.</summary>
    public void Clear() => _memory?.Zero();

    private MemFdMemory Memory() => _memory ??= MemFdMemory.Create((int)Length, "passage-bar");
}
