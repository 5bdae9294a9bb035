using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DEVICE_GET_REGION_INFO request (vfio-user.md §4): a 32-byte <c>vfio_region_info</c> with argsz and index.</summary>
public sealed class VfioUserRegionInfoRequestTests
{
    [Fact]
    public void Write_ArgszAndIndex_AtOffsetsRestZero()
    {
        byte[] bytes = Enumerable.Repeat((byte)0xFF, 32).ToArray();

        Assert.Equal(32, new VfioUserRegionInfoRequest(80, 7).Write(bytes));

        Assert.Equal(80u, Wire.U32(bytes, 0));
        Assert.Equal(0u, Wire.U32(bytes, 4));
        Assert.Equal(7u, Wire.U32(bytes, 8));
        Assert.All(bytes[12..], b => Assert.Equal(0, b));
        Assert.True(VfioUserRegionInfoRequest.TryRead(bytes, out VfioUserRegionInfoRequest read, out _));
        Assert.Equal(new VfioUserRegionInfoRequest(80, 7), read);
    }

    [Fact]
    public void TryRead_ArgszSmallerThanFixedPart_Einval()
    {
        byte[] bytes = new byte[32];
        new VfioUserRegionInfoRequest(31, 0).Write(bytes);

        Assert.False(VfioUserRegionInfoRequest.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void TryRead_PayloadNot32Bytes_Einval(int length)
    {
        byte[] bytes = new byte[length];
        Wire.PutU32(bytes, 0, 32);

        Assert.False(VfioUserRegionInfoRequest.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }
}
