using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

/// <summary>Answers config reads with an encoding of where they landed and records writes.</summary>
internal sealed class RecordingConfigTarget : IConfigTarget
{
    public List<(int Bus, int Device, int Function, int Register, int Size)> Reads { get; } = [];

    public List<(int Bus, int Device, int Function, int Register, int Size, uint Value)> Writes { get; } = [];

    public uint ReadConfig(int bus, int device, int function, int register, int size)
    {
        Reads.Add((bus, device, function, register, size));
        return (uint)(register | (function << 12) | (device << 15)) & (size == 4 ? uint.MaxValue : (1u << (8 * size)) - 1);
    }

    public void WriteConfig(int bus, int device, int function, int register, int size, uint value) =>
        Writes.Add((bus, device, function, register, size, value));
}
