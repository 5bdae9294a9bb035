using System.Buffers.Binary;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>Config space of one guest slot as a guest kernel reaches it: memory accesses to the ECAM window.</summary>
internal sealed class GuestConfig(VirtualMachine machine, int slot)
{
    /// <summary>The ECAM address of <paramref name="register"/> (bus 0, this slot, function 0).</summary>
    public ulong Address(int register) => VirtualMachine.EcamBase + ((ulong)slot << 15) + (ulong)register;

    /// <summary>Reads <paramref name="size"/> (1, 2, 4 or 8) bytes at <paramref name="register"/>.</summary>
    public ulong Read(int register, int size)
    {
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        machine.ReadMemory(Address(register), bytes[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Writes <paramref name="size"/> (1, 2, 4 or 8) bytes at <paramref name="register"/>.</summary>
    public void Write(int register, int size, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        machine.WriteMemory(Address(register), bytes[..size]);
    }

    public byte Read8(int register) => (byte)Read(register, 1);

    public ushort Read16(int register) => (ushort)Read(register, 2);

    public uint Read32(int register) => (uint)Read(register, 4);

    public void Write16(int register, ushort value) => Write(register, 2, value);

    public void Write32(int register, uint value) => Write(register, 4, value);

    /// <summary>The guest's Command register.</summary>
    public ushort Command
    {
        get => Read16(ConfigOffsets.Command);
        set => Write16(ConfigOffsets.Command, value);
    }

    /// <summary>The standard capability list as a guest walks it (Status.CapList, 0x34, next pointers with bits 1:0 masked, at most 48 hops): (offset, ID) in list order.</summary>
    public IReadOnlyList<(int Offset, int Id)> WalkCapabilities()
    {
        var found = new List<(int, int)>();
        if ((Read16(ConfigOffsets.Status) & (ushort)PciStatus.CapabilitiesList) == 0)
        {
            return found;
        }

        int at = Read8(ConfigOffsets.CapabilitiesPointer) & 0xFC;
        for (int hops = 0; at >= ConfigOffsets.HeaderSize && hops < CapabilityWalker.StandardTtl; hops++)
        {
            found.Add((at, Read8(at)));
            at = Read8(at + 1) & 0xFC;
        }

        return found;
    }

    /// <summary>Offset of the first capability with <paramref name="id"/> in the guest's list, or −1.</summary>
    public int FindCapability(CapabilityId id)
    {
        foreach ((int offset, int found) in WalkCapabilities())
        {
            if (found == (int)id)
            {
                return offset;
            }
        }

        return -1;
    }
}
