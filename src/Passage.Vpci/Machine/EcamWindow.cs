using System.Buffers.Binary;

namespace Passage.Vpci.Machine;

/// <summary>
/// The memory-mapped config window (ECAM, pci.md §1): offset = bus &lt;&lt; 20 | device &lt;&lt; 15 |
/// function &lt;&lt; 12 | register. Accesses of 1, 2, 4 bytes naturally aligned, and 8 bytes as two
/// 4-byte accesses, low dword first; anything else reads all ones and is dropped.
/// </summary>
public sealed class EcamWindow(IConfigTarget target, int buses = 256) : IBusDevice
{
    /// <summary>Bytes the window spans.</summary>
    public ulong Length => (ulong)buses << 20;

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data)
    {
        if (!Valid(offset, data.Length))
        {
            data.Fill(0xFF);
            return;
        }

        if (data.Length == 8)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, ReadPart(offset, 4));
            BinaryPrimitives.WriteUInt32LittleEndian(data[4..], ReadPart(offset + 4, 4));
            return;
        }

        uint value = ReadPart(offset, data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(value >> (8 * i));
        }
    }

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (!Valid(offset, data.Length))
        {
            return;
        }

        if (data.Length == 8)
        {
            WritePart(offset, 4, BinaryPrimitives.ReadUInt32LittleEndian(data));
            WritePart(offset + 4, 4, BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
            return;
        }

        uint value = 0;
        for (int i = 0; i < data.Length; i++)
        {
            value |= (uint)data[i] << (8 * i);
        }

        WritePart(offset, data.Length, value);
    }

    private bool Valid(ulong offset, int size) =>
        size is 1 or 2 or 4 or 8 && offset % (ulong)size == 0 && offset + (ulong)size <= Length;

    private uint ReadPart(ulong offset, int size) =>
        target.ReadConfig((int)(offset >> 20), (int)(offset >> 15) & 0x1F, (int)(offset >> 12) & 0x7, (int)(offset & 0xFFF), size);

    private void WritePart(ulong offset, int size, uint value) =>
        target.WriteConfig((int)(offset >> 20), (int)(offset >> 15) & 0x1F, (int)(offset >> 12) & 0x7, (int)(offset & 0xFFF), size, value);
}
