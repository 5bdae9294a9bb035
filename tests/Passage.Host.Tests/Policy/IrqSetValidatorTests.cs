using Passage.Host.Devices;
using Passage.Host.Policy;

namespace Passage.Host.Tests.Policy;

public sealed class IrqSetValidatorTests
{
    private const IrqSetFlags TriggerEventfd = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;

    [Theory]
    [InlineData(VfioIrq.Msix, 0u, 4u, TriggerEventfd, 16, 8u, Errno.None)] // four eventfds into an 8-vector index
    [InlineData(VfioIrq.Msix, 4u, 4u, TriggerEventfd, 16, 8u, Errno.None)] // the last four
    [InlineData(VfioIrq.Msix, 0u, 0u, IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone, 0, 8u, Errno.None)] // disable: start 0, count 0
    [InlineData(VfioIrq.Msix, 8u, 0u, IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone, 0, 8u, Errno.EINVAL)] // start at the count
    [InlineData(VfioIrq.Msix, 6u, 4u, TriggerEventfd, 16, 8u, Errno.EINVAL)] // range past the count
    [InlineData(VfioIrq.Msix, 1u, uint.MaxValue, TriggerEventfd, 16, 8u, Errno.EINVAL)] // start + count overflows 32 bits
    [InlineData(VfioIrq.Msix, 0u, 4u, TriggerEventfd, 15, 8u, Errno.EINVAL)] // payload one byte short of four fds
    [InlineData(VfioIrq.Msix, 0u, 4u, IrqSetFlags.ActionTrigger | IrqSetFlags.DataBool, 4, 8u, Errno.None)] // one byte per bool
    [InlineData(VfioIrq.Msix, 0u, 4u, IrqSetFlags.ActionTrigger | IrqSetFlags.DataBool, 3, 8u, Errno.EINVAL)] // bools short
    [InlineData(VfioIrq.Msix, 0u, 1u, IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone | IrqSetFlags.DataBool, 1, 8u, Errno.EINVAL)] // two DATA bits
    [InlineData(VfioIrq.Msix, 0u, 1u, IrqSetFlags.ActionTrigger | IrqSetFlags.ActionMask | IrqSetFlags.DataNone, 0, 8u, Errno.EINVAL)] // two ACTION bits
    [InlineData(VfioIrq.Msix, 0u, 1u, IrqSetFlags.DataNone, 0, 8u, Errno.EINVAL)] // no ACTION
    [InlineData(VfioIrq.Msix, 0u, 1u, IrqSetFlags.ActionTrigger, 0, 8u, Errno.EINVAL)] // no DATA
    [InlineData(VfioIrq.Msix, 0u, 1u, (IrqSetFlags)0x40 | IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone, 0, 8u, Errno.EINVAL)] // unknown bit
    [InlineData(5, 0u, 1u, TriggerEventfd, 4, 1u, Errno.EINVAL)] // index beyond REQ
    [InlineData(-1, 0u, 1u, TriggerEventfd, 4, 1u, Errno.EINVAL)] // negative index
    [InlineData(VfioIrq.Err, 0u, 0u, IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone, 0, 0u, Errno.EINVAL)] // ERR on a non-PCIe device has 0 IRQs
    [InlineData(VfioIrq.Intx, 0u, 1u, IrqSetFlags.ActionUnmask | IrqSetFlags.DataEventfd, 4, 1u, Errno.None)] // INTx unmask eventfd
    public void Validate_Request_MatchesVfio(int index, uint start, uint count, IrqSetFlags flags, int dataLength, uint irqCount, Errno expected)
    {
        Assert.Equal(expected, IrqSetValidator.Validate(index, start, count, flags, dataLength, irqCount, VfioIrq.PciCount));
    }

    [Theory]
    [InlineData(IrqSetFlags.DataNone, 0)] // no payload
    [InlineData(IrqSetFlags.DataBool, 1)] // one byte each
    [InlineData(IrqSetFlags.DataEventfd, 4)] // one int32 each
    public void EntrySize_DataType_VfioLayout(IrqSetFlags data, int size)
    {
        Assert.Equal(size, IrqSetValidator.EntrySize(data | IrqSetFlags.ActionTrigger));
    }
}
