using System.Buffers.Binary;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// The bytes behind one BAR. Chunks materialise on first write (untouched bytes read 0), so a
/// 256 MiB VRAM aperture costs nothing until used; the only allocation happens there, never on a
/// read. Everything that touches BAR bytes goes through this type, so moving the storage onto
/// shared memory later changes this file only.
/// </summary>
public sealed class BarStorage
{
    private const int ChunkShift = 16;
    private const int ChunkSize = 1 << ChunkShift;

    private readonly byte[]?[] _chunks;

    /// <summary>Creates zeroed storage of <paramref name="length"/> bytes.</summary>
    public BarStorage(ulong length)
    {
        Length = length;
        _chunks = new byte[]?[(int)((length + ChunkSize - 1) >> ChunkShift)];
    }

    /// <summary>Size in bytes.</summary>
    public ulong Length { get; }

    /// <summary>Reads <paramref name="size"/> (1, 2, 4 or 8) bytes at a naturally aligned, in-range offset, little-endian.</summary>
    public ulong Read(ulong offset, int size)
    {
        byte[]? chunk = _chunks[(int)(offset >> ChunkShift)];
        if (chunk is null)
        {
            return 0;
        }

        ReadOnlySpan<byte> bytes = chunk.AsSpan((int)(offset & (ChunkSize - 1)), size);
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
        int index = (int)(offset >> ChunkShift);
        byte[] chunk = _chunks[index] ??= new byte[(int)Math.Min(ChunkSize, Length - ((ulong)index << ChunkShift))];
        Span<byte> bytes = chunk.AsSpan((int)(offset & (ChunkSize - 1)), size);
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

    /// <summary>Returns every byte to 0 (a reset).</summary>
    public void Clear() => Array.Clear(_chunks);
}
