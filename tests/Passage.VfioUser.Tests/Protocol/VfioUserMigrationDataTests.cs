using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>MIG_DATA_READ and MIG_DATA_WRITE (vfio-user.md §4): argsz, size and data; read far enough to answer EINVAL.</summary>
public sealed class VfioUserMigrationDataTests
{
    [Fact]
    public void Write_WriteRequest_FieldsAtOffsetsAndReadBack()
    {
        byte[] bytes = new byte[12];

        Assert.Equal(12, new VfioUserMigrationData(12, 4, [5, 6, 7, 8]).Write(bytes));

        Assert.Equal(12u, Wire.U32(bytes, 0));
        Assert.Equal(4u, Wire.U32(bytes, 4));
        Assert.Equal(new byte[] { 5, 6, 7, 8 }, bytes[8..]);
        Assert.True(VfioUserMigrationData.TryRead(bytes, out VfioUserMigrationData read, out _));
        Assert.Equal(4u, read.Size);
        Assert.Equal(new byte[] { 5, 6, 7, 8 }, read.Data.ToArray());
    }

    [Fact]
    public void TryRead_ReadRequestHeadAlone_Accepted()
    {
        byte[] bytes = new byte[8];
        new VfioUserMigrationData(4104, 4096).Write(bytes);

        Assert.True(VfioUserMigrationData.TryRead(bytes, out VfioUserMigrationData read, out _));
        Assert.Equal(4096u, read.Size);
        Assert.True(read.Data.IsEmpty);
    }

    [Theory]
    [InlineData(7u, 0u, 0)] // argsz below the head
    [InlineData(8u, (uint)VfioUserLimits.MaxDataTransfer + 1, 0)] // size beyond the limit
    [InlineData(16u, 4u, 3)] // data present but not the size
    public void TryRead_BadField_Einval(uint argsz, uint size, int dataLength)
    {
        byte[] bytes = new byte[8 + dataLength];
        Wire.PutU32(bytes, 0, argsz);
        Wire.PutU32(bytes, 4, size);

        Assert.False(VfioUserMigrationData.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_ShorterThanHead_Einval() => Assert.False(VfioUserMigrationData.TryRead(new byte[7], out _, out _));
}
