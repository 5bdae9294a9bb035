namespace Passage.Vpci.Machine;

/// <summary>
/// The machine's PCI topology (vpci.md §1): bus 0, 32 slots, function 0 only. Decoded config
/// accesses land here; any other bus or function, and empty slots, read all ones and drop writes.
/// The multi-function bit (Header Type bit 7) always reads 0, since only function 0 exists here,
/// whatever the device says. The caller holds the VM lock: shared for reads, exclusive for writes
/// and for changing the table.
/// </summary>
internal sealed class FunctionTable : IConfigTarget
{
    /// <summary>Slots on bus 0.</summary>
    public const int Slots = 32;

    private const int HeaderType = 0x0E;
    private const uint MultiFunction = 0x80;

    private readonly IPciDevice?[] _devices = new IPciDevice?[Slots];

    /// <summary>The device in <paramref name="slot"/>, or null.</summary>
    public IPciDevice? this[int slot] => Volatile.Read(ref _devices[slot]);

    /// <summary>Puts <paramref name="device"/> (or nothing) in <paramref name="slot"/>.</summary>
    public void Set(int slot, IPciDevice? device) => Volatile.Write(ref _devices[slot], device);

    /// <summary>The slot holding <paramref name="device"/>, or −1; safe without the lock and does not allocate.</summary>
    public int SlotOf(object device)
    {
        for (int slot = 0; slot < Slots; slot++)
        {
            if (ReferenceEquals(Volatile.Read(ref _devices[slot]), device))
            {
                return slot;
            }
        }

        return -1;
    }

    /// <inheritdoc />
    public uint ReadConfig(int bus, int device, int function, int register, int size)
    {
        if (Find(bus, device, function) is not { } target)
        {
            return Ones(size);
        }

        uint value = target.ReadConfig(register, size) & Ones(size);
        if (register <= HeaderType && HeaderType < register + size)
        {
            value &= ~(MultiFunction << (8 * (HeaderType - register)));
        }

        return value;
    }

    /// <inheritdoc />
    public void WriteConfig(int bus, int device, int function, int register, int size, uint value) =>
        Find(bus, device, function)?.WriteConfig(register, size, value & Ones(size));

    /// <summary>All ones in <paramref name="size"/> bytes.</summary>
    public static uint Ones(int size) => size >= 4 ? uint.MaxValue : (1u << (8 * size)) - 1;

    private IPciDevice? Find(int bus, int device, int function) =>
        bus == 0 && function == 0 && (uint)device < Slots ? this[device] : null;
}
