using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>DEVICE_FEATURE (vfio-user.md §4): argsz, flags with the feature in bits 15:0, data; read far enough to answer ENOTTY.</summary>
public sealed class VfioUserDeviceFeatureTests
{
    [Fact]
    public void Write_ProbeOfMigration_FieldsAtOffsetsAndFeatureReadBack()
    {
        var feature = new VfioUserDeviceFeature(16, VfioUserDeviceFeatureFlags.Probe | VfioUserDeviceFeatureFlags.Get | (VfioUserDeviceFeatureFlags)VfioUserDeviceFeatureId.DmaLoggingReport, [1, 2, 3, 4, 5, 6, 7, 8]);
        byte[] bytes = new byte[16];

        Assert.Equal(16, feature.Write(bytes));

        Assert.Equal(16u, Wire.U32(bytes, 0));
        Assert.Equal(0x0005_0008u, Wire.U32(bytes, 4));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, bytes[8..]);
        Assert.True(VfioUserDeviceFeature.TryRead(bytes, out VfioUserDeviceFeature read, out _));
        Assert.Equal(VfioUserDeviceFeatureId.DmaLoggingReport, read.Feature);
        Assert.Equal(8, read.Data.Length);
    }

    [Theory]
    [InlineData(7)] // short of the fixed part
    [InlineData(0)]
    public void TryRead_ShorterThanFixedPart_Einval(int length) =>
        Assert.False(VfioUserDeviceFeature.TryRead(new byte[length], out _, out _));

    [Fact]
    public void TryRead_ArgszSmallerThanFixedPart_Einval()
    {
        byte[] bytes = new byte[8];
        new VfioUserDeviceFeature(7, VfioUserDeviceFeatureFlags.Get | (VfioUserDeviceFeatureFlags)1).Write(bytes);

        Assert.False(VfioUserDeviceFeature.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }
}
