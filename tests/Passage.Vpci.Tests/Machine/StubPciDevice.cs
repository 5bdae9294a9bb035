using System.Buffers.Binary;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

/// <summary>A function whose config space is 4 KiB of plain bytes: reads return them, writes store them and are recorded.</summary>
internal sealed class StubPciDevice : IPciDevice
{
    private readonly byte[] _config = new byte[4096];

    /// <summary>A function with the given IDs and, optionally, the multi-function bit set in Header Type.</summary>
    public StubPciDevice(ushort vendor = 0x1234, ushort device = 0x5678, bool multiFunction = false)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_config, vendor);
        BinaryPrimitives.WriteUInt16LittleEndian(_config.AsSpan(2), device);
        _config[0x0E] = multiFunction ? (byte)0x80 : (byte)0x00;
    }

    public List<(int Register, int Size, uint Value)> Writes { get; } = [];

    public int Acknowledged { get; private set; }

    /// <summary>Whether writes are recorded in <see cref="Writes"/> (off for allocation tests).</summary>
    public bool Record { get; init; } = true;

    /// <summary>Runs after every write is stored (as a function moving its BARs would).</summary>
    public Action<int, int, uint>? OnWrite { get; init; }

    public byte this[int register]
    {
        get => _config[register];
        set => _config[register] = value;
    }

    public uint ReadConfig(int register, int size)
    {
        uint value = 0;
        for (int i = size - 1; i >= 0; i--)
        {
            value = (value << 8) | _config[register + i];
        }

        return value;
    }

    public void WriteConfig(int register, int size, uint value)
    {
        for (int i = 0; i < size; i++)
        {
            _config[register + i] = (byte)(value >> (8 * i));
        }

        if (Record)
        {
            Writes.Add((register, size, value));
        }

        OnWrite?.Invoke(register, size, value);
    }

    public void AcknowledgeIntx() => Acknowledged++;
}
