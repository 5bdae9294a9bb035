namespace Passage.Vpci.Machine;

/// <summary>
/// The legacy CF8/CFC config mechanism (pci.md §1, vpci.md §2.1): a 32-bit CONFIG_ADDRESS at port
/// 0xCF8 and CONFIG_DATA at 0xCFC–0xCFF. Data accesses need bit 31 set; the byte offset is
/// <c>(CF8 &amp; 0xFC) + (port − 0xCFC)</c>. Anything else reads all ones and is dropped.
/// </summary>
public sealed class ConfigPorts(IConfigTarget target)
{
    /// <summary>CONFIG_ADDRESS port.</summary>
    public const ushort AddressPort = 0xCF8;

    /// <summary>First CONFIG_DATA port.</summary>
    public const ushort DataPort = 0xCFC;

    private const uint Enable = 0x8000_0000;

    private uint _address;

    /// <summary>The current CONFIG_ADDRESS value.</summary>
    public uint Address => Volatile.Read(ref _address);

    /// <summary>Whether <paramref name="port"/> belongs to the mechanism.</summary>
    public static bool Claims(ushort port) => port is >= AddressPort and <= DataPort + 3;

    /// <summary>An IN of <paramref name="size"/> (1, 2, 4) bytes.</summary>
    public uint In(ushort port, int size)
    {
        if (port == AddressPort && size == 4)
        {
            return Address;
        }

        if (!IsData(port, size, out int bus, out int device, out int function, out int register))
        {
            return Ones(size);
        }

        return target.ReadConfig(bus, device, function, register, size);
    }

    /// <summary>An OUT of <paramref name="size"/> (1, 2, 4) bytes.</summary>
    public void Out(ushort port, int size, uint value)
    {
        if (port == AddressPort && size == 4)
        {
            // Bits 30:24 and 1:0 are reserved: keep them zero.
            Volatile.Write(ref _address, value & 0x80FF_FFFC);
            return;
        }

        if (IsData(port, size, out int bus, out int device, out int function, out int register))
        {
            target.WriteConfig(bus, device, function, register, size, value);
        }
    }

    private bool IsData(ushort port, int size, out int bus, out int device, out int function, out int register)
    {
        uint address = Address;
        int byteInData = port - DataPort;
        bus = (int)(address >> 16) & 0xFF;
        device = (int)(address >> 11) & 0x1F;
        function = (int)(address >> 8) & 0x7;
        register = (int)(address & 0xFC) + byteInData;
        return (address & Enable) != 0 && byteInData is >= 0 and <= 3 && size is 1 or 2 or 4 && byteInData + size <= 4 && register % size == 0;
    }

    private static uint Ones(int size) => size >= 4 ? uint.MaxValue : (1u << (8 * size)) - 1;
}
