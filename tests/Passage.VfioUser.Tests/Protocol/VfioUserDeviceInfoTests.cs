using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DEVICE_GET_INFO request and reply (vfio-user.md §4, §9): 16 bytes, counts bounded.</summary>
public sealed class VfioUserDeviceInfoTests
{
    [Fact]
    public void Request_Write_OnlyArgszSet()
    {
        byte[] bytes = new byte[16];

        Assert.Equal(16, VfioUserDeviceInfo.Request.Write(bytes));

        Assert.Equal(new byte[] { 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, bytes);
    }

    [Fact]
    public void Reply_LibVfioUserShape_LandsAtOffsetsAndReadsBack()
    {
        VfioUserDeviceInfo reply = VfioUserDeviceInfo.Reply(DeviceFlags.Reset | DeviceFlags.Pci, 9, 5);
        byte[] bytes = new byte[16];
        reply.Write(bytes);

        Assert.Equal(16u, Wire.U32(bytes, 0));
        Assert.Equal(3u, Wire.U32(bytes, 4));
        Assert.Equal(9u, Wire.U32(bytes, 8));
        Assert.Equal(5u, Wire.U32(bytes, 12));
        Assert.True(VfioUserDeviceInfo.TryRead(bytes, out VfioUserDeviceInfo read, out _));
        Assert.Equal(reply, read);
    }

    [Theory]
    [InlineData(15u, 9u, 5u)] // argsz below the fixed part
    [InlineData(16u, 257u, 5u)] // regions beyond the limit
    [InlineData(16u, 9u, 17u)] // IRQ indexes beyond the limit
    public void TryRead_BadField_Einval(uint argsz, uint regions, uint irqs)
    {
        byte[] bytes = new byte[16];
        new VfioUserDeviceInfo(argsz, DeviceFlags.Pci, regions, irqs).Write(bytes);

        Assert.False(VfioUserDeviceInfo.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    public void TryRead_PayloadNot16Bytes_Einval(int length)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan(0, Math.Min(length, 1)).Fill(16); // argsz 16 where it fits

        Assert.False(VfioUserDeviceInfo.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }
}
