using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DEVICE_GET_IRQ_INFO request and reply (vfio-user.md §4): 16 bytes, the vector count bounded.</summary>
public sealed class VfioUserIrqInfoTests
{
    [Fact]
    public void Reply_Write_LandsAtOffsetsAndReadsBack()
    {
        VfioUserIrqInfo reply = VfioUserIrqInfo.Reply(IrqInfoFlags.Eventfd | IrqInfoFlags.Maskable | IrqInfoFlags.NoResize, 2, 2048);
        byte[] bytes = new byte[16];

        Assert.Equal(16, reply.Write(bytes));

        Assert.Equal(16u, Wire.U32(bytes, 0));
        Assert.Equal(0xBu, Wire.U32(bytes, 4));
        Assert.Equal(2u, Wire.U32(bytes, 8));
        Assert.Equal(2048u, Wire.U32(bytes, 12));
        Assert.True(VfioUserIrqInfo.TryRead(bytes, out VfioUserIrqInfo read, out _));
        Assert.Equal(reply, read);
    }

    [Fact]
    public void Request_Write_ArgszAndIndexOnly()
    {
        byte[] bytes = new byte[16];
        VfioUserIrqInfo.Request(4).Write(bytes);

        Assert.Equal(new byte[] { 16, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0 }, bytes);
    }

    [Theory]
    [InlineData(15u, 1u)] // argsz below the fixed part
    [InlineData(16u, 2049u)] // more vectors than MSI-X has
    public void TryRead_BadField_Einval(uint argsz, uint count)
    {
        byte[] bytes = new byte[16];
        new VfioUserIrqInfo(argsz, IrqInfoFlags.Eventfd, 2, count).Write(bytes);

        Assert.False(VfioUserIrqInfo.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(20)]
    public void TryRead_PayloadNot16Bytes_Einval(int length)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan(0, Math.Min(length, 1)).Fill(16); // argsz 16 where it fits

        Assert.False(VfioUserIrqInfo.TryRead(bytes, out _, out _));
    }
}
