namespace Passage.Vpci.Machine;

/// <summary>Where decoded config accesses go: the machine's function table.</summary>
public interface IConfigTarget
{
    /// <summary>Reads <paramref name="size"/> (1, 2 or 4) bytes at <paramref name="register"/> of bus/device/function; all ones when nothing answers.</summary>
    uint ReadConfig(int bus, int device, int function, int register, int size);

    /// <summary>Writes <paramref name="size"/> bytes; dropped when nothing answers.</summary>
    void WriteConfig(int bus, int device, int function, int register, int size, uint value);
}
