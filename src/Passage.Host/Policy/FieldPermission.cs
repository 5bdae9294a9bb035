namespace Passage.Host.Policy;

/// <summary>
/// vfio-pci's permission for one register of a capability (host-device.md §2.1): which bits are
/// virtual (live in the shadow, hardware never touched) and which the user may write. Bits that
/// are neither read through from hardware and drop writes.
/// </summary>
/// <param name="Offset">Offset of the register within its capability (or header).</param>
/// <param name="Size">Register size: 1, 2 or 4 bytes.</param>
/// <param name="Virt">Virtual bits.</param>
/// <param name="Write">Writable bits (virtual ones update the shadow, the rest reach hardware).</param>
public readonly record struct FieldPermission(int Offset, int Size, uint Virt, uint Write)
{
    /// <summary>Every bit virtual and read-only (IDs, chain pointers).</summary>
    public static FieldPermission VirtReadOnly(int offset, int size) => new(offset, size, AllOnes(size), 0);

    /// <summary>Every bit virtual and writable (BARs, Interrupt Line, MSI address/data).</summary>
    public static FieldPermission VirtWritable(int offset, int size) => new(offset, size, AllOnes(size), AllOnes(size));

    /// <summary>Read through from hardware, every bit written to hardware.</summary>
    public static FieldPermission HardwareWritable(int offset, int size) => new(offset, size, 0, AllOnes(size));

    /// <summary>All ones of a register's width.</summary>
    public static uint AllOnes(int size) => size >= 4 ? uint.MaxValue : (1u << (8 * size)) - 1;
}
