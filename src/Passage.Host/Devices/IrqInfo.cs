namespace Passage.Host.Devices;

/// <summary><c>VFIO_IRQ_INFO_*</c>.</summary>
[Flags]
public enum IrqInfoFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>Signals through eventfds.</summary>
    Eventfd = 1,

    /// <summary>Supports MASK/UNMASK.</summary>
    Maskable = 2,

    /// <summary>Masks itself on every interrupt (INTx).</summary>
    Automasked = 4,

    /// <summary>The vector count cannot grow while enabled.</summary>
    NoResize = 8,
}

/// <summary>IRQ index information (<c>VFIO_DEVICE_GET_IRQ_INFO</c>).</summary>
/// <param name="Index">IRQ index.</param>
/// <param name="Flags">Capabilities of the index.</param>
/// <param name="Count">Number of IRQs (0 = the index is unusable).</param>
public sealed record IrqInfo(int Index, IrqInfoFlags Flags, uint Count);
