using Passage.Host.Devices;

namespace Passage.Host.Policy;

/// <summary>
/// The checks <c>VFIO_DEVICE_SET_IRQS</c> makes before any handler runs (host-device.md §4.1):
/// known bits only, exactly one DATA and one ACTION, an index the device has, a range inside the
/// index's count, and a payload covering <c>count</c> entries.
/// </summary>
public static class IrqSetValidator
{
    /// <summary>Bytes one IRQ takes in the payload for the DATA type in <paramref name="flags"/> (0 for DATA_NONE).</summary>
    public static int EntrySize(IrqSetFlags flags) => (flags & IrqSetFlags.DataMask) switch
    {
        IrqSetFlags.DataBool => 1,
        IrqSetFlags.DataEventfd => 4,
        _ => 0,
    };

    /// <summary>Validates a request; <see cref="Errno.None"/> when a handler may run.</summary>
    /// <param name="index">IRQ index.</param>
    /// <param name="start">First IRQ.</param>
    /// <param name="count">Number of IRQs.</param>
    /// <param name="flags">DATA and ACTION bits.</param>
    /// <param name="dataLength">Bytes of payload supplied.</param>
    /// <param name="irqCount">The index's IRQ count (from GET_IRQ_INFO).</param>
    /// <param name="numIrqs">Number of IRQ indexes of the device.</param>
    public static Errno Validate(int index, uint start, uint count, IrqSetFlags flags, int dataLength, uint irqCount, int numIrqs)
    {
        if ((flags & ~(IrqSetFlags.DataMask | IrqSetFlags.ActionMaskAll)) != 0)
        {
            return Errno.EINVAL;
        }

        if (!IsSingleBit((uint)(flags & IrqSetFlags.DataMask)) || !IsSingleBit((uint)(flags & IrqSetFlags.ActionMaskAll)))
        {
            return Errno.EINVAL;
        }

        if (index < 0 || index >= numIrqs)
        {
            return Errno.EINVAL;
        }

        // An index with no IRQs rejects everything, even a count-0 disable.
        if (start >= irqCount || (ulong)start + count > irqCount)
        {
            return Errno.EINVAL;
        }

        return (ulong)EntrySize(flags) * count > (ulong)dataLength ? Errno.EINVAL : Errno.None;
    }

    private static bool IsSingleBit(uint value) => value != 0 && (value & (value - 1)) == 0;
}
