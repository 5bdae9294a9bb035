using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Policy;
using Passage.Pci;

namespace Passage.Host.Tests.Policy;

/// <summary>Hardware config space as plain bytes that records every write reaching it.</summary>
internal sealed class FakeConfigHardware(byte[] bytes) : IConfigHardware
{
    public FakeConfigHardware(ConfigSpace config)
        : this(config.Bytes.ToArray())
    {
    }

    public byte[] Bytes { get; } = bytes;

    public List<(int Offset, byte[] Data)> Writes { get; } = [];

    public Errno Read(int offset, Span<byte> data)
    {
        Bytes.AsSpan(offset, data.Length).CopyTo(data);
        return Errno.None;
    }

    public Errno Write(int offset, ReadOnlySpan<byte> data)
    {
        Writes.Add((offset, data.ToArray()));
        data.CopyTo(Bytes.AsSpan(offset));
        return Errno.None;
    }

    public ushort Hw16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan(offset));

    public uint Hw32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(offset));
}

/// <summary>Records what the policy asked for.</summary>
internal sealed class RecordingEvents : IConfigPolicyEvents
{
    public bool MsiEnabled { get; set; }

    public int MsiVectorsAllocated { get; set; }

    public List<(PciCommand Previous, PciCommand Current)> Commands { get; } = [];

    public int FunctionLevelResets { get; private set; }

    public List<int> PowerStates { get; } = [];

    public void CommandWritten(PciCommand previous, PciCommand current) => Commands.Add((previous, current));

    public void FunctionLevelResetRequested() => FunctionLevelResets++;

    public void PowerStateRequested(int state) => PowerStates.Add(state);
}
