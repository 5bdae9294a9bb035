namespace Passage.Host.Policy;

/// <summary>
/// What the SET_IRQS engine needs from the device below it: which interrupt modes exist, turning
/// MSI/MSI-X on and off in hardware, and the host-level masks that make an unwired vector latch
/// in the device's pending bits instead of being lost.
/// </summary>
public interface IInterruptHardware
{
    /// <summary>Whether the function has an INTx pin the host can use.</summary>
    bool HasIntx { get; }

    /// <summary>Whether the function is PCI Express (it then has an ERR index).</summary>
    bool IsPcie { get; }

    /// <summary>MSI vectors the function can request (0 = no MSI).</summary>
    int MsiVectors { get; }

    /// <summary>MSI-X table size (0 = no MSI-X).</summary>
    int MsixVectors { get; }

    /// <summary>Whether MSI-X vectors may be added while the index is enabled (Linux 6.5+ dynamic allocation).</summary>
    bool MsixDynamic { get; }

    /// <summary>Enables MSI (<paramref name="index"/> 1) or MSI-X (2) with <paramref name="vectors"/> vectors; returns how many the host could allocate.</summary>
    int Enable(int index, int vectors);

    /// <summary>Disables MSI or MSI-X in hardware (Enable and Function Mask cleared).</summary>
    void Disable(int index);

    /// <summary>Sets the host-level mask of one vector: masked vectors latch as pending in the device.</summary>
    void SetVectorMasked(int index, int vector, bool masked);

    /// <summary>Masks or unmasks the INTx line at the host (PCI 2.3 DisINTx).</summary>
    void SetIntxMasked(bool masked);

    /// <summary>Whether the device still asserts its INTx line.</summary>
    bool IntxAsserted { get; }
}
