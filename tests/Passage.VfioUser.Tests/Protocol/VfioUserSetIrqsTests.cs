using Passage.Host.Devices;
using Passage.Tests.Shared;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DEVICE_SET_IRQS (vfio-user.md §4, §6): the 20-byte head and BOOL bytes, and every validation rule of §6.</summary>
public sealed class VfioUserSetIrqsTests
{
    private const IrqSetFlags EventfdTrigger = IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger;
    private const IrqSetFlags NoneTrigger = IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger;
    private const IrqSetFlags BoolTrigger = IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger;

    [Fact]
    public void Write_BoolRequest_HeadAndBytesAtOffsets()
    {
        byte[] bytes = new byte[23];

        int written = new VfioUserSetIrqs(BoolTrigger, 2, 5, 3, [1, 0, 1]).Write(bytes);

        Assert.Equal(23, written);
        Assert.Equal(23u, Wire.U32(bytes, 0)); // argsz: the whole payload
        Assert.Equal(0x22u, Wire.U32(bytes, 4));
        Assert.Equal(2u, Wire.U32(bytes, 8));
        Assert.Equal(5u, Wire.U32(bytes, 12));
        Assert.Equal(3u, Wire.U32(bytes, 16));
        Assert.Equal(new byte[] { 1, 0, 1 }, bytes[20..]);
    }

    [Fact]
    public void TryRead_WrittenRequest_ReadsBack()
    {
        byte[] bytes = new byte[23];
        new VfioUserSetIrqs(BoolTrigger, 2, 5, 3, [1, 0, 1]).Write(bytes);

        Assert.True(VfioUserSetIrqs.TryRead(bytes, out VfioUserSetIrqs request, out _));

        Assert.Equal(BoolTrigger, request.Flags);
        Assert.Equal(2u, request.Index);
        Assert.Equal(5u, request.Start);
        Assert.Equal(3u, request.Count);
        Assert.Equal(new byte[] { 1, 0, 1 }, request.Data.ToArray());
        Assert.Equal(Errno.None, request.Validate(8, 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)] // one short of the head
    public void TryRead_ShorterThanHead_Einval(int length) =>
        Assert.False(VfioUserSetIrqs.TryRead(new byte[length], out _, out _));

    [Theory]
    [InlineData(19u)] // argsz below the head
    [InlineData(24u)] // argsz beyond the payload
    [InlineData(22u)] // argsz short of the payload
    public void TryRead_ArgszNotThePayloadSize_Einval(uint argsz)
    {
        byte[] bytes = new byte[23];
        new VfioUserSetIrqs(BoolTrigger, 2, 0, 3, [1, 1, 1]).Write(bytes);
        Wire.PutU32(bytes, 0, argsz);

        Assert.False(VfioUserSetIrqs.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_CountBeyondLimit_Einval()
    {
        byte[] bytes = new byte[20];
        new VfioUserSetIrqs(EventfdTrigger, 2, 0, VfioUserLimits.MaxIrqVectors + 1).Write(bytes);

        Assert.False(VfioUserSetIrqs.TryRead(bytes, out _, out _));
    }

    [Theory]
    [InlineData(EventfdTrigger, 2u, 0u, 4u, 4, Errno.None)] // wire four vectors
    [InlineData(EventfdTrigger, 2u, 0u, 4u, 0, Errno.None)] // EVENTFD without fds de-assigns
    [InlineData(EventfdTrigger, 2u, 0u, 4u, 3, Errno.EINVAL)] // neither 0 nor count fds
    [InlineData(EventfdTrigger, 2u, 0u, 4u, 5, Errno.EINVAL)]
    [InlineData(IrqSetFlags.DataEventfd | IrqSetFlags.ActionMask, 2u, 1u, 2u, 2, Errno.None)] // fds signalled on mask
    [InlineData(NoneTrigger, 2u, 0u, 1u, 1, Errno.EINVAL)] // fds without EVENTFD
    [InlineData(NoneTrigger, 2u, 3u, 1u, 0, Errno.None)] // loopback trigger of vector 3
    [InlineData(NoneTrigger, 2u, 0u, 0u, 0, Errno.None)] // disable the index
    [InlineData(NoneTrigger, 2u, 1u, 0u, 0, Errno.EINVAL)] // count 0 with start 1
    [InlineData(EventfdTrigger, 2u, 0u, 0u, 0, Errno.EINVAL)] // count 0 only with NONE
    [InlineData(IrqSetFlags.DataNone | IrqSetFlags.ActionMask, 2u, 0u, 0u, 0, Errno.EINVAL)] // count 0 only with TRIGGER
    [InlineData(NoneTrigger, 2u, 7u, 2u, 0, Errno.EINVAL)] // start + count past the 8 vectors
    [InlineData(NoneTrigger, 2u, 6u, 2u, 0, Errno.None)] // start + count exactly at the end
    [InlineData(NoneTrigger, 2u, 0xFFFF_FFFFu, 2u, 0, Errno.EINVAL)] // start + count wraps in 32 bits
    [InlineData(IrqSetFlags.DataNone | IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger, 2u, 0u, 1u, 0, Errno.EINVAL)] // two data kinds
    [InlineData(IrqSetFlags.DataNone | IrqSetFlags.ActionMask | IrqSetFlags.ActionUnmask, 2u, 0u, 1u, 0, Errno.EINVAL)] // two actions
    [InlineData(IrqSetFlags.ActionTrigger, 2u, 0u, 1u, 0, Errno.EINVAL)] // no data kind
    [InlineData(IrqSetFlags.DataNone, 2u, 0u, 1u, 0, Errno.EINVAL)] // no action
    [InlineData(NoneTrigger | (IrqSetFlags)0x40, 2u, 0u, 1u, 0, Errno.EINVAL)] // an unknown bit
    [InlineData(EventfdTrigger, 3u, 0u, 1u, 1, Errno.None)] // ERR: one eventfd
    [InlineData(EventfdTrigger, 3u, 0u, 2u, 2, Errno.EINVAL)] // ERR: count 2
    [InlineData(IrqSetFlags.DataNone | IrqSetFlags.ActionMask, 3u, 0u, 1u, 0, Errno.EINVAL)] // ERR: only TRIGGER
    [InlineData(IrqSetFlags.DataEventfd | IrqSetFlags.ActionUnmask, 4u, 0u, 1u, 1, Errno.EINVAL)] // REQ: only TRIGGER
    [InlineData(NoneTrigger, 4u, 0u, 0u, 0, Errno.None)] // REQ: disable
    public void Validate_Request_FollowsTheRulesOfSection6(IrqSetFlags flags, uint index, uint start, uint count, int fds, Errno expected)
    {
        uint vectors = index is 3 or 4 ? 1u : 8u;
        var request = new VfioUserSetIrqs(flags, index, start, count);

        Assert.Equal(expected, request.Validate(vectors, fds));
    }

    [Theory]
    [InlineData(3, Errno.None)] // one byte per vector
    [InlineData(2, Errno.EINVAL)] // count beyond the payload
    [InlineData(4, Errno.EINVAL)] // a byte too many
    public void Validate_BoolBytes_MustEqualCount(int bytes, Errno expected)
    {
        var request = new VfioUserSetIrqs(BoolTrigger, 2, 0, 3, new byte[bytes]);

        Assert.Equal(expected, request.Validate(8, 0));
    }

    [Fact]
    public void Validate_BytesWithoutBool_Einval()
    {
        var request = new VfioUserSetIrqs(EventfdTrigger, 2, 0, 1, [1]);

        Assert.Equal(Errno.EINVAL, request.Validate(8, 1));
    }

    [Fact]
    public void Validate_NegativeFdCount_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VfioUserSetIrqs(EventfdTrigger, 2, 0, 1).Validate(8, -1));

    [Fact]
    public void TryReadAndValidate_BoolRequest_AllocatesNothing()
    {
        byte[] bytes = new byte[24];
        new VfioUserSetIrqs(BoolTrigger, 2, 4, 4, [1, 0, 0, 1]).Write(bytes);
        int valid = 0, calls = 0;

        long allocated = AllocationMeter.Least(
            round =>
            {
                calls++;
                if (VfioUserSetIrqs.TryRead(bytes, out VfioUserSetIrqs request, out _) && request.Validate(8, 0) == Errno.None)
                {
                    valid++;
                }
            },
            iterations: 1000);

        Assert.Equal(0, allocated);
        Assert.Equal(calls, valid);
    }
}
