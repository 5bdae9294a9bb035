using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// DEVICE_GET_REGION_IO_FDS (vfio-user.md §5, §8 rule 5): the request, the reply's head and
/// entries, the stride taken from argsz (40-byte spec entries and 48-byte libvfio-user entries),
/// the argsz rule, and refusals of counts and strides that do not fit.
/// </summary>
public sealed class VfioUserRegionIoFdsTests
{
    private static readonly VfioUserIoFdEntry[] Entries =
    [
        new(0x100, 4, 0, VfioUserIoFdType.Ioeventfd, 1, 0xCAFE_F00D_0000_0001),
        new(0x200, 0, 1, VfioUserIoFdType.ShadowIoeventfd, 0, 7, ShadowFdIndex: 2, ShadowOffset: 0x1000),
    ];

    [Fact]
    public void Request_Write_LandsAtOffsetsAndReadsBack()
    {
        byte[] bytes = Enumerable.Repeat((byte)0xFF, 16).ToArray();

        Assert.Equal(16, new VfioUserRegionIoFdsRequest(112, 2).Write(bytes));

        Assert.Equal(new byte[] { 112, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 }, bytes);
        Assert.True(VfioUserRegionIoFdsRequest.TryRead(bytes, out VfioUserRegionIoFdsRequest read, out _));
        Assert.Equal(new VfioUserRegionIoFdsRequest(112, 2), read);
    }

    [Theory]
    [InlineData(15u, 0u, 0u)] // argsz below the head
    [InlineData(16u, 1u, 0u)] // flags not 0
    [InlineData(16u, 0u, 1u)] // count not 0
    public void Request_TryReadBadField_Einval(uint argsz, uint flags, uint count)
    {
        byte[] bytes = new byte[16];
        Wire.PutU32(bytes, 0, argsz);
        Wire.PutU32(bytes, 4, flags);
        Wire.PutU32(bytes, 12, count);

        Assert.False(VfioUserRegionIoFdsRequest.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(20)]
    public void Request_TryReadPayloadNot16Bytes_Einval(int length) =>
        Assert.False(VfioUserRegionIoFdsRequest.TryRead(new byte[length], out _, out _));

    [Fact]
    public void Write_SpecEntries_40ByteLayoutAtOffsets()
    {
        byte[] bytes = Enumerable.Repeat((byte)0xEE, 96).ToArray();

        int written = VfioUserRegionIoFds.Write(bytes, 4096, 3, Entries, VfioUserIoFdEntry.SpecSize);

        Assert.Equal(96, written);
        Assert.Equal(96u, Wire.U32(bytes, 0));
        Assert.Equal(0u, Wire.U32(bytes, 4));
        Assert.Equal(3u, Wire.U32(bytes, 8));
        Assert.Equal(2u, Wire.U32(bytes, 12));
        Assert.Equal(0x100ul, Wire.U64(bytes, 16));
        Assert.Equal(4ul, Wire.U64(bytes, 24));
        Assert.Equal(0u, Wire.U32(bytes, 32)); // fd_index
        Assert.Equal(0u, Wire.U32(bytes, 36)); // type
        Assert.Equal(1u, Wire.U32(bytes, 40)); // flags
        Assert.Equal(0u, Wire.U32(bytes, 44)); // padding
        Assert.Equal(0xCAFE_F00D_0000_0001ul, Wire.U64(bytes, 48)); // datamatch at 32 in the entry
        Assert.Equal(0x200ul, Wire.U64(bytes, 56)); // the second entry, 40 bytes on
        Assert.Equal(1u, Wire.U32(bytes, 72));
        Assert.Equal(7ul, Wire.U64(bytes, 88));
    }

    [Fact]
    public void Write_LibVfioUserEntries_48ByteLayoutAtOffsets()
    {
        byte[] bytes = new byte[112];

        int written = VfioUserRegionIoFds.Write(bytes, 112, 3, Entries, VfioUserIoFdEntry.LibVfioUserSize);

        Assert.Equal(112, written); // 16 + 48 · count
        Assert.Equal(112u, Wire.U32(bytes, 0));
        Assert.Equal(0x200ul, Wire.U64(bytes, 64)); // the second entry, 48 bytes on
        Assert.Equal(2u, Wire.U32(bytes, 84)); // type shadow ioeventfd
        Assert.Equal(2u, Wire.U32(bytes, 92)); // shadow fd index at 28
        Assert.Equal(0x1000ul, Wire.U64(bytes, 96)); // shadow offset at 32
        Assert.Equal(7ul, Wire.U64(bytes, 104)); // datamatch at 40
    }

    [Theory]
    [InlineData(VfioUserIoFdEntry.SpecSize)]
    [InlineData(VfioUserIoFdEntry.LibVfioUserSize)]
    public void TryRead_WrittenReply_StrideFromArgszAndEntriesBack(int stride)
    {
        byte[] bytes = new byte[VfioUserRegionIoFds.FullSize(2, stride)];
        VfioUserRegionIoFds.Write(bytes, 4096, 3, Entries, stride);

        Assert.True(VfioUserRegionIoFds.TryRead(bytes, out VfioUserRegionIoFds reply, out _));

        Assert.Equal(stride, reply.Stride);
        Assert.False(reply.IsTruncated);
        Assert.Equal(2, reply.EntryCount);
        Assert.Equal(3u, reply.Index);
        Assert.Equal(Entries[0], reply.GetEntry(0));
        VfioUserIoFdEntry second = reply.GetEntry(1);
        Assert.Equal(Entries[1].Datamatch, second.Datamatch);
        Assert.Equal(stride == 48 ? 2u : 0u, second.ShadowFdIndex); // the spec's form has no shadow fields
        Assert.Equal(stride == 48 ? 0x1000ul : 0ul, second.ShadowOffset);
    }

    [Fact]
    public void Write_RequestArgszTooSmall_HeadWithSizeNeededAndCount()
    {
        byte[] bytes = Enumerable.Repeat((byte)0xEE, 112).ToArray();

        int written = VfioUserRegionIoFds.Write(bytes, 16, 3, Entries, 48);

        Assert.Equal(16, written);
        Assert.False(VfioUserRegionIoFds.Fits(16, 2, 48));
        Assert.Equal(112u, Wire.U32(bytes, 0));
        Assert.Equal(2u, Wire.U32(bytes, 12));
        Assert.All(bytes[16..], b => Assert.Equal(0xEE, b));
        Assert.True(VfioUserRegionIoFds.TryRead(bytes.AsSpan(0, 16), out VfioUserRegionIoFds reply, out _));
        Assert.True(reply.IsTruncated);
        Assert.Equal(0, reply.EntryCount);
    }

    [Fact]
    public void TryRead_NoEntries_HeadOnlyNoStride()
    {
        byte[] bytes = new byte[16];
        VfioUserRegionIoFds.Write(bytes, 16, 1, []);

        Assert.True(VfioUserRegionIoFds.TryRead(bytes, out VfioUserRegionIoFds reply, out _));
        Assert.Equal(0u, reply.Count);
        Assert.Equal(0, reply.Stride);
        Assert.False(reply.IsTruncated);
    }

    [Theory]
    [InlineData(16u + 32u, 1u)] // stride 32: shorter than any entry
    [InlineData(16u + 44u, 1u)] // stride 44: neither form
    [InlineData(16u + 81u, 2u)] // 81 / 2 = 40 but does not divide
    [InlineData(16u + 96u, 1u)] // stride 96
    [InlineData(15u, 0u)] // argsz below the head
    public void TryRead_StrideNeither40Nor48_Einval(uint argsz, uint count)
    {
        byte[] bytes = new byte[Math.Max(argsz, 16u)];
        Wire.PutU32(bytes, 0, argsz);
        Wire.PutU32(bytes, 12, count);

        Assert.False(VfioUserRegionIoFds.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_CountBeyondPayload_Einval()
    {
        // argsz and count agree on three 40-byte entries, but only two are there.
        byte[] bytes = new byte[16 + 80];
        Wire.PutU32(bytes, 0, 16 + 120);
        Wire.PutU32(bytes, 12, 3);

        Assert.False(VfioUserRegionIoFds.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_CountBeyondLimit_Einval()
    {
        byte[] bytes = new byte[16];
        Wire.PutU32(bytes, 0, (uint)(16 + (40 * (VfioUserLimits.MaxIoFdEntries + 1))));
        Wire.PutU32(bytes, 12, VfioUserLimits.MaxIoFdEntries + 1);

        Assert.False(VfioUserRegionIoFds.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_NoEntriesButTrailingBytes_Einval()
    {
        byte[] bytes = new byte[24];
        Wire.PutU32(bytes, 0, 24);

        Assert.False(VfioUserRegionIoFds.TryRead(bytes, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    public void TryRead_ShorterThanHead_Einval(int length) =>
        Assert.False(VfioUserRegionIoFds.TryRead(new byte[length], out _, out _));

    [Theory]
    [InlineData(32)]
    [InlineData(44)]
    public void Write_StrideNeither40Nor48_Throws(int stride) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => VfioUserRegionIoFds.Write(new byte[256], 256, 0, Entries, stride));
}
