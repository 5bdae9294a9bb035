using Passage.Host.Devices;
using Passage.Tests.Shared;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// DEVICE_GET_REGION_INFO reply (vfio-user.md §5, §8 rule 4): the head and its capability chain
/// at their offsets, the argsz rule (a reply that does not fit is the head alone with the size
/// needed and no CAPS), and a chain reader bounded against loops and out-of-bounds links.
/// </summary>
public sealed class VfioUserRegionInfoTests
{
    private const RegionFlags Mappable = RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap;

    private static readonly RegionInfo TwoAreasWithType = new(
        9, Mappable, 0x1_0000, 0x7000_0000_0000, [new SparseArea(0, 0x1000), new SparseArea(0x3000, 0xD000)], false, (0x8086u, 3u));

    [Fact]
    public void Write_TwoAreasAndType_ChainLandsAtItsOffsets()
    {
        byte[] bytes = new byte[128];

        int written = VfioUserRegionInfo.Write(bytes, 4096, TwoAreasWithType);

        Assert.Equal(96, written); // 32 head + 16 sparse head + 2 × 16 areas + 16 type
        Assert.Equal(96u, Wire.U32(bytes, 0)); // argsz = the size needed
        Assert.Equal(0xFu, Wire.U32(bytes, 4)); // READ | WRITE | MMAP | CAPS
        Assert.Equal(9u, Wire.U32(bytes, 8));
        Assert.Equal(32u, Wire.U32(bytes, 12)); // cap_offset from the start of the region info
        Assert.Equal(0x1_0000ul, Wire.U64(bytes, 16));
        Assert.Equal(0x7000_0000_0000ul, Wire.U64(bytes, 24));
        Assert.Equal(1, Wire.U16(bytes, 32)); // sparse mmap id
        Assert.Equal(1, Wire.U16(bytes, 34)); // version 1
        Assert.Equal(80u, Wire.U32(bytes, 36)); // next: the type capability
        Assert.Equal(2u, Wire.U32(bytes, 40)); // nr_areas
        Assert.Equal(0u, Wire.U32(bytes, 44)); // reserved
        Assert.Equal(0ul, Wire.U64(bytes, 48));
        Assert.Equal(0x1000ul, Wire.U64(bytes, 56));
        Assert.Equal(0x3000ul, Wire.U64(bytes, 64));
        Assert.Equal(0xD000ul, Wire.U64(bytes, 72));
        Assert.Equal(2, Wire.U16(bytes, 80)); // type id
        Assert.Equal(1, Wire.U16(bytes, 82));
        Assert.Equal(0u, Wire.U32(bytes, 84)); // end of the chain
        Assert.Equal(0x8086u, Wire.U32(bytes, 88));
        Assert.Equal(3u, Wire.U32(bytes, 92));
    }

    [Theory]
    [InlineData(1, 64)] // libvfio-user's numbers: 32 + 16 + 16 per area
    [InlineData(2, 80)]
    [InlineData(3, 96)]
    public void FullSize_SparseAreas_IsHeadPlusCapabilityPlusAreas(int areas, int expected)
    {
        SparseArea[] list = [.. Enumerable.Range(0, areas).Select(i => new SparseArea((ulong)i * 0x1000, 0x1000))];
        var region = new RegionInfo(0, Mappable, 0x4000, 0, list, false);

        Assert.Equal(expected, VfioUserRegionInfo.FullSize(region));
    }

    [Fact]
    public void Write_MappableWithoutAreas_DescribesTheWholeRegionAsOneArea()
    {
        var region = new RegionInfo(2, Mappable, 0x20_0000, 0, [], false);
        byte[] bytes = new byte[64];

        Assert.Equal(64, VfioUserRegionInfo.Write(bytes, 64, region));

        Assert.Equal(1u, Wire.U32(bytes, 40));
        Assert.Equal(0ul, Wire.U64(bytes, 48));
        Assert.Equal(0x20_0000ul, Wire.U64(bytes, 56));
        Assert.Equal(0u, Wire.U32(bytes, 36)); // the only capability
    }

    [Theory]
    [InlineData(32u)] // the first query: only the head fits
    [InlineData(48u)]
    [InlineData(95u)] // one byte short of the whole
    public void Write_RequestArgszTooSmall_HeadOnlyWithSizeNeededAndNoCaps(uint requestArgsz)
    {
        byte[] bytes = Enumerable.Repeat((byte)0xEE, 128).ToArray();

        int written = VfioUserRegionInfo.Write(bytes, requestArgsz, TwoAreasWithType);

        Assert.Equal(32, written);
        Assert.Equal(32, VfioUserRegionInfo.ReplySize(requestArgsz, TwoAreasWithType));
        Assert.False(VfioUserRegionInfo.Fits(requestArgsz, TwoAreasWithType));
        Assert.Equal(96u, Wire.U32(bytes, 0));
        Assert.Equal(0x7u, Wire.U32(bytes, 4)); // READ | WRITE | MMAP, no CAPS
        Assert.Equal(0u, Wire.U32(bytes, 12)); // no capability
        Assert.Equal(0x1_0000ul, Wire.U64(bytes, 16));
        Assert.All(bytes[32..], b => Assert.Equal(0xEE, b)); // nothing past the head
    }

    [Fact]
    public void Fits_RequestArgszExactlyTheNeed_WholeReply()
    {
        Assert.True(VfioUserRegionInfo.Fits(96, TwoAreasWithType));
        Assert.Equal(96, VfioUserRegionInfo.ReplySize(96, TwoAreasWithType));
    }

    [Fact]
    public void Write_ConfigSpaceWithoutCapabilities_HeadOnlyWithoutCaps()
    {
        var config = new RegionInfo(7, RegionFlags.Read | RegionFlags.Write | RegionFlags.Caps, 4096, 0, [], false);
        byte[] bytes = new byte[32];

        Assert.Equal(32, VfioUserRegionInfo.Write(bytes, 32, config));

        Assert.Equal(32u, Wire.U32(bytes, 0));
        Assert.Equal(0x3u, Wire.U32(bytes, 4)); // a CAPS bit with nothing behind it is cleared
        Assert.Equal(0u, Wire.U32(bytes, 12));
    }

    [Fact]
    public void TryRead_WrittenReply_RoundTripsToTheSameRegion()
    {
        byte[] bytes = new byte[96];
        VfioUserRegionInfo.Write(bytes, 96, TwoAreasWithType);

        Assert.True(VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out Errno error));

        Assert.Equal(Errno.None, error);
        Assert.False(info.IsTruncated);
        Assert.True(info.HasSparseMmap);
        Assert.Equal(2, info.SparseAreaCount);
        Assert.Equal(new SparseArea(0x3000, 0xD000), info.GetSparseArea(1));
        Assert.True(info.HasType);
        Assert.Equal(0x8086u, info.RegionType);
        Assert.Equal(3u, info.RegionSubtype);
        RegionInfo record = info.ToRegionInfo();
        Assert.Equal(TwoAreasWithType.Index, record.Index);
        Assert.Equal(TwoAreasWithType.Flags, record.Flags);
        Assert.Equal(TwoAreasWithType.Size, record.Size);
        Assert.Equal(TwoAreasWithType.Offset, record.Offset);
        Assert.Equal(TwoAreasWithType.SparseAreas, record.SparseAreas);
        Assert.Equal(TwoAreasWithType.Type, record.Type);
    }

    [Fact]
    public void TryRead_HeadOnlyReply_IsTruncatedWithoutCapabilities()
    {
        byte[] bytes = new byte[32];
        VfioUserRegionInfo.Write(bytes, 32, TwoAreasWithType);

        Assert.True(VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _));

        Assert.True(info.IsTruncated);
        Assert.Equal(96u, info.Argsz);
        Assert.False(info.HasSparseMmap);
        Assert.False(info.HasType);
    }

    [Fact]
    public void TryRead_LibVfioUserPartialReplyOfRequestedSize_AcceptedAsTruncated()
    {
        // libvfio-user answers a too-small argsz with that many bytes, still without CAPS.
        byte[] bytes = new byte[48];
        VfioUserRegionInfo.Write(bytes, 32, TwoAreasWithType);

        Assert.True(VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _));
        Assert.True(info.IsTruncated);
        Assert.Equal(0, info.SparseAreaCount);
    }

    [Fact]
    public void TryRead_CapsFlagClear_IgnoresCapOffset()
    {
        byte[] bytes = Head(64, RegionFlags.Read, capOffset: 5000, size: 0x1000);

        Assert.True(VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _));
        Assert.False(info.HasSparseMmap);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)] // one short of the head
    public void TryRead_ShorterThanHead_Einval(int length) =>
        Assert.False(VfioUserRegionInfo.TryRead(new byte[length], out _, out _));

    [Fact]
    public void TryRead_ArgszSmallerThanHead_Einval()
    {
        byte[] bytes = Head(31, RegionFlags.Read, 0, 0x1000);

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_OffsetPlusSizeWraps_Einval()
    {
        byte[] bytes = Head(32, RegionFlags.Read, 0, 0x2000);
        Wire.PutU64(bytes, 24, ulong.MaxValue - 0xFFF);

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_CapabilityPointingAtItself_EinvalAsLoop()
    {
        byte[] bytes = [.. Head(48, RegionFlags.Read | RegionFlags.Caps, 32, 0x1000), .. Capability(99, 1, next: 32)];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_TwoCapabilitiesPointingAtEachOther_EinvalAsLoop()
    {
        byte[] bytes = [.. Head(48, RegionFlags.Read | RegionFlags.Caps, 32, 0x1000), .. Capability(99, 1, next: 40), .. Capability(98, 1, next: 32)];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_ChainAtTheLinkLimit_AcceptedAndOneMoreRefused()
    {
        Assert.True(VfioUserRegionInfo.TryRead(UnknownChain(VfioUserLimits.MaxCapabilityChainLength), out _, out _));
        Assert.False(VfioUserRegionInfo.TryRead(UnknownChain(VfioUserLimits.MaxCapabilityChainLength + 1), out _, out _));
    }

    [Theory]
    [InlineData(48u)] // at the end of the payload
    [InlineData(44u)] // a header would straddle the end
    [InlineData(1000u)] // far beyond
    [InlineData(8u)] // inside the head
    [InlineData(uint.MaxValue)]
    public void TryRead_NextOutOfBounds_Einval(uint next)
    {
        byte[] bytes = [.. Head(48, RegionFlags.Read | RegionFlags.Caps, 32, 0x1000), .. Capability(99, 1, next)];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Theory]
    [InlineData(32u)] // at the end of the head-only payload
    [InlineData(16u)] // inside the head
    public void TryRead_CapOffsetOutOfBounds_Einval(uint capOffset)
    {
        byte[] bytes = Head(32, RegionFlags.Read | RegionFlags.Caps, capOffset, 0x1000);

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_SparseAreasBeyondPayload_Einval()
    {
        byte[] bytes = [.. Head(80, RegionFlags.Read | RegionFlags.Caps, 32, 0x4000), .. Sparse(next: 0, nrAreas: 3, (0, 0x1000), (0x1000, 0x1000))];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out Errno error));
        Assert.Equal(Errno.EINVAL, error);
    }

    [Fact]
    public void TryRead_SparseAreasBeyondLimit_Einval()
    {
        (ulong, ulong)[] areas = [.. Enumerable.Repeat((0ul, 1ul), VfioUserLimits.MaxSparseAreas + 1)];
        byte[] bytes = [.. Head(0, RegionFlags.Read | RegionFlags.Caps, 32, 0x4000), .. Sparse(0, (uint)areas.Length, areas)];
        Wire.PutU32(bytes, 0, (uint)bytes.Length);

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Theory]
    [InlineData(0x3001ul, 0x1000ul)] // ends past the region
    [InlineData(0ul, 0x4001ul)] // larger than the region
    [InlineData(ulong.MaxValue, 2ul)] // offset + size wraps
    public void TryRead_SparseAreaOutsideRegion_Einval(ulong offset, ulong size)
    {
        byte[] bytes = [.. Head(64, RegionFlags.Read | RegionFlags.Mmap | RegionFlags.Caps, 32, 0x4000), .. Sparse(0, 1, (offset, size))];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_SparseOfVersion2_Einval()
    {
        byte[] bytes = [.. Head(64, RegionFlags.Read | RegionFlags.Caps, 32, 0x4000), .. Sparse(0, 1, (0, 0x1000))];
        Wire.PutU16(bytes, 34, 2);

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_TwoSparseCapabilities_Einval()
    {
        byte[] bytes = [.. Head(96, RegionFlags.Read | RegionFlags.Caps, 32, 0x4000), .. Sparse(64, 1, (0, 0x1000)), .. Sparse(0, 1, (0, 0x1000))];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_TruncatedTypeCapability_Einval()
    {
        byte[] bytes = [.. Head(44, RegionFlags.Read | RegionFlags.Caps, 32, 0x4000), .. Capability((ushort)VfioUserRegionCapabilityId.Type, 1, 0), 1, 0, 0, 0];

        Assert.False(VfioUserRegionInfo.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TryRead_UnknownCapabilityBeforeSparse_SkippedAndSparseRead()
    {
        byte[] bytes = [.. Head(72, RegionFlags.Read | RegionFlags.Mmap | RegionFlags.Caps, 32, 0x4000), .. Capability(3, 1, next: 40), .. Sparse(0, 1, (0x1000, 0x2000))];

        Assert.True(VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _));
        Assert.Equal(new SparseArea(0x1000, 0x2000), info.GetSparseArea(0));
    }

    [Fact]
    public void GetSparseArea_IndexOutOfRange_Throws()
    {
        byte[] bytes = new byte[96];
        VfioUserRegionInfo.Write(bytes, 96, TwoAreasWithType);
        VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _);
        int count = info.SparseAreaCount;

        Assert.Equal(2, count);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadArea(bytes, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadArea(bytes, -1));
    }

    [Fact]
    public void TryRead_ReplyWithChain_AllocatesNothing()
    {
        byte[] bytes = new byte[96];
        VfioUserRegionInfo.Write(bytes, 96, TwoAreasWithType);
        ulong sum = 0;
        ulong calls = 0;

        long allocated = AllocationMeter.Least(
            round =>
            {
                VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _);
                sum += info.GetSparseArea(1).Size;
                calls++;
            },
            iterations: 1000);

        Assert.Equal(0, allocated);
        Assert.Equal(0xD000ul * calls, sum); // every call read the chain
    }

    private static SparseArea ReadArea(byte[] bytes, int index)
    {
        VfioUserRegionInfo.TryRead(bytes, out VfioUserRegionInfo info, out _);
        return info.GetSparseArea(index);
    }

    private static byte[] Head(uint argsz, RegionFlags flags, uint capOffset, ulong size)
    {
        byte[] bytes = new byte[32];
        Wire.PutU32(bytes, 0, argsz);
        Wire.PutU32(bytes, 4, (uint)flags);
        Wire.PutU32(bytes, 12, capOffset);
        Wire.PutU64(bytes, 16, size);
        return bytes;
    }

    private static byte[] Capability(ushort id, ushort version, uint next)
    {
        byte[] bytes = new byte[8];
        Wire.PutU16(bytes, 0, id);
        Wire.PutU16(bytes, 2, version);
        Wire.PutU32(bytes, 4, next);
        return bytes;
    }

    private static byte[] Sparse(uint next, uint nrAreas, params (ulong Offset, ulong Size)[] areas)
    {
        byte[] bytes = new byte[16 + (16 * areas.Length)];
        Capability((ushort)VfioUserRegionCapabilityId.SparseMmap, 1, next).CopyTo(bytes, 0);
        Wire.PutU32(bytes, 8, nrAreas);
        for (int i = 0; i < areas.Length; i++)
        {
            Wire.PutU64(bytes, 16 + (16 * i), areas[i].Offset);
            Wire.PutU64(bytes, 24 + (16 * i), areas[i].Size);
        }

        return bytes;
    }

    /// <summary>A chain of <paramref name="links"/> unknown capabilities, each pointing at the next.</summary>
    private static byte[] UnknownChain(int links)
    {
        byte[] bytes = Head((uint)(32 + (8 * links)), RegionFlags.Read | RegionFlags.Caps, 32, 0x1000);
        for (int i = 0; i < links; i++)
        {
            uint next = i == links - 1 ? 0 : (uint)(32 + (8 * (i + 1)));
            bytes = [.. bytes, .. Capability(100, 1, next)];
        }

        return bytes;
    }
}
