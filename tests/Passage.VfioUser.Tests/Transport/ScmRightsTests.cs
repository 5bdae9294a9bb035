using System.Buffers.Binary;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Tests.Transport;

public sealed class ScmRightsTests
{
    [Theory]
    [InlineData(0, 16)] // the header alone
    [InlineData(1, 24)] // 4 bytes of fd padded to 8
    [InlineData(2, 24)] // exactly 8 bytes of fds
    [InlineData(8, 48)] // Passage's max_msg_fds
    [InlineData(1024, 4112)] // vfio-user's bound
    public void SpaceFor_Count_IsCmsgSpaceOn64Bit(int count, int expected) =>
        Assert.Equal(expected, ScmRights.SpaceFor(count));

    [Fact]
    public void Write_ThreeFds_LaysOutOneCmsghdr()
    {
        byte[] control = new byte[ScmRights.SpaceFor(3)];

        int length = ScmRights.Write(control, [7, 8, 1000]);

        // cmsg_len = CMSG_LEN(12) = 28 (size_t), cmsg_level SOL_SOCKET = 1, cmsg_type SCM_RIGHTS = 1, then the ints.
        Assert.Equal(32, length);
        Assert.Equal(28ul, BinaryPrimitives.ReadUInt64LittleEndian(control));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(control.AsSpan(8)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(control.AsSpan(12)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(control.AsSpan(16)));
        Assert.Equal(8, BinaryPrimitives.ReadInt32LittleEndian(control.AsSpan(20)));
        Assert.Equal(1000, BinaryPrimitives.ReadInt32LittleEndian(control.AsSpan(24)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(control.AsSpan(28)));
    }

    [Fact]
    public void Write_BufferTooSmall_Refused() =>
        Assert.Throws<ArgumentException>(() => ScmRights.Write(new byte[ScmRights.SpaceFor(1)], [1, 2, 3]));

    [Fact]
    public void Read_WhatWriteWrote_ReturnsTheFds()
    {
        byte[] control = new byte[ScmRights.SpaceFor(5)];
        int length = ScmRights.Write(control, [3, 4, 5, 6, 7]);
        int[] fds = new int[8];

        int count = ScmRights.Read(control.AsSpan(0, length), fds);

        Assert.Equal(5, count);
        Assert.Equal([3, 4, 5, 6, 7], fds[..5]);
    }

    [Fact]
    public void Read_OtherControlMessageFirst_SkipsIt()
    {
        // SCM_CREDENTIALS (type 2, 12 bytes of data → 32 with padding), then SCM_RIGHTS with one fd.
        byte[] control = new byte[32 + 24];
        BinaryPrimitives.WriteUInt64LittleEndian(control, 28);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(12), 2);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(16), 99);
        ScmRights.Write(control.AsSpan(32), [42]);
        int[] fds = new int[4];

        int count = ScmRights.Read(control, fds);

        Assert.Equal(1, count);
        Assert.Equal(42, fds[0]);
    }

    [Fact]
    public void Read_LengthPastTheFilledBytes_StopsWithoutReadingFurther()
    {
        byte[] control = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(control, 200);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(12), 1);
        int[] fds = new int[4];

        Assert.Equal(0, ScmRights.Read(control, fds));
    }

    [Fact]
    public void Read_Empty_ReturnsNothing() => Assert.Equal(0, ScmRights.Read([], new int[1]));
}
