namespace Passage.Vpci.Machine;

/// <summary>
/// A PCI function as the machine's function table sees it: config accesses at its own offsets
/// (already validated as 1, 2 or 4 naturally aligned bytes inside 4 KiB). Anything it puts on the
/// MMIO bus it puts there itself, while the machine holds its lock exclusively for the write.
/// </summary>
public interface IPciDevice
{
    /// <summary>Reads <paramref name="size"/> bytes at <paramref name="register"/>.</summary>
    uint ReadConfig(int register, int size);

    /// <summary>Writes <paramref name="size"/> bytes at <paramref name="register"/>.</summary>
    void WriteConfig(int register, int size, uint value);

    /// <summary>The guest acknowledged the function's INTx interrupt (end of interrupt): unmask it at the host.</summary>
    void AcknowledgeIntx()
    {
    }
}
