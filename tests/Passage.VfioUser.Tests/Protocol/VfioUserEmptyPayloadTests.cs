using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>Payload-less messages (vfio-user.md §4): DEVICE_RESET and the empty replies.</summary>
public sealed class VfioUserEmptyPayloadTests
{
    [Fact]
    public void TryRead_Empty_Accepted()
    {
        Assert.True(VfioUserEmptyPayload.TryRead([], out Errno error));
        Assert.Equal(Errno.None, error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void TryRead_AnyByte_Einval(int length)
    {
        Assert.False(VfioUserEmptyPayload.TryRead(new byte[length], out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }
}
