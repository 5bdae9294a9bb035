using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Tests.Shared;
using Passage.VfioUser.Client;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Client;

/// <summary>Regions: info asked twice for the fd (vfio-user.md §5, §8 rule 4), mapping from it, REGION_READ/REGION_WRITE chunked to the limits (§4, §8 rule 2).</summary>
public sealed class VfioUserClientRegionTests : IDisposable
{
    private const int KiB = 1024;
    private const int MiB = 1024 * 1024;

    private readonly List<ClientHarness> _harnesses = [];

    public void Dispose()
    {
        foreach (ClientHarness harness in _harnesses)
        {
            harness.Dispose();
        }
    }

    [Theory]
    [InlineData(0, new uint[] { 32 })] // not mappable: the first answer is whole
    [InlineData(1, new uint[] { 32, 64 })] // one area: 32 + 16 + 16
    [InlineData(2, new uint[] { 32, 80 })] // two areas: 32 + 16 + 2 × 16
    public void Connect_RegionInfo_AskedAgainWithTheArgszTheFirstAnswerNamed(int region, uint[] argszs)
    {
        ClientHarness harness = Start();

        uint[] asked = [.. harness.Peer.RequestsOf(VfioUserCommand.DeviceGetRegionInfo)
            .Where(r => BinaryPrimitives.ReadUInt32LittleEndian(r.Payload.AsSpan(8)) == region)
            .Select(r => BinaryPrimitives.ReadUInt32LittleEndian(r.Payload))];
        Assert.Equal(argszs, asked);
    }

    [Fact]
    public void GetRegionInfo_MappableRegions_CarryTheServersAreasAndOffset()
    {
        ClientHarness harness = Start();

        RegionInfo whole = harness.Client.GetRegionInfo(1);
        RegionInfo sparse = harness.Client.GetRegionInfo(2);
        RegionInfo plain = harness.Client.GetRegionInfo(0);

        Assert.Equal((RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap, 16UL * KiB, 0UL), (whole.Flags, whole.Size, whole.Offset));
        Assert.Equal([new SparseArea(0, 16 * KiB)], whole.SparseAreas);
        Assert.Equal((RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap, 16UL * KiB, 4096UL), (sparse.Flags, sparse.Size, sparse.Offset));
        Assert.Equal([new SparseArea(0, 4096), new SparseArea(8192, 8192)], sparse.SparseAreas);
        Assert.Equal((RegionFlags.Read | RegionFlags.Write, 2UL * MiB), (plain.Flags, plain.Size));
        Assert.Empty(plain.SparseAreas);
        Assert.Equal(RegionFlags.None, harness.Client.GetRegionInfo(VfioRegion.Rom).Flags);
    }

    [Fact]
    public void Map_SparseArea_SharesTheServersMemoryAtRegionOffsetPlusAreaOffset()
    {
        ClientHarness harness = Start();
        PeerRegion served = harness.Peer.Region(2);

        using IMappedArea area = harness.Client.Map(2, 1);

        Assert.Equal((8192UL, 8192UL), (area.Offset, area.Size));
        Assert.True(area.Span.SequenceEqual(served.Bytes.Slice(8192, 8192)));
        area.Span[100] = 0xA5;
        Assert.Equal(0xA5, served.Bytes[8192 + 100]);
        served.Bytes[8192 + 200] = 0x5A;
        Assert.Equal(0x5A, area.Span[200]);
    }

    [Fact]
    public void Map_RegionWithoutSparseCapability_MapsItWholeAsAreaZero()
    {
        ClientHarness harness = Start();

        using IMappedArea area = harness.Client.Map(1, 0);

        Assert.Equal((0UL, 16UL * KiB), (area.Offset, area.Size));
        Assert.True(area.Span.SequenceEqual(harness.Peer.Region(1).Bytes));
    }

    [Theory]
    [InlineData(0, 0)] // not mappable
    [InlineData(2, 2)] // two areas only
    [InlineData(1, 1)] // whole region is area 0 only
    [InlineData(9, 0)] // no such region
    public void Map_NoSuchMappableArea_ThrowsEinval(int region, int area)
    {
        ClientHarness harness = Start();

        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.Map(region, area)).Errno);
    }

    [Fact]
    public void OpenRegionFile_MappableRegion_HandsOutTheServersFileAndWhereTheRegionStarts()
    {
        ClientHarness harness = Start();

        using RegionFile file = harness.Client.OpenRegionFile(2);
        using MappedArea mapped = MappedArea.Map(file.Descriptor, file.Offset + 8192, 4096, writable: false, 8192);

        Assert.Equal(4096, file.Offset);
        Assert.True(mapped.Span.SequenceEqual(harness.Peer.Region(2).Bytes.Slice(8192, 4096)));
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.OpenRegionFile(0)).Errno);
    }

    [Fact]
    public void Connect_MappableRegionAnsweredWithoutAnFd_ReportedNotMappable()
    {
        ClientHarness harness = Start(new PeerScript
        {
            Override = request =>
            {
                if (request.Command != VfioUserCommand.DeviceGetRegionInfo || BinaryPrimitives.ReadUInt32LittleEndian(request.Payload.AsSpan(8)) != 1)
                {
                    return null;
                }

                uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(request.Payload);
                RegionInfo info = request.Peer.Region(1).Info;
                byte[] reply = new byte[VfioUserRegionInfo.ReplySize(argsz, info)];
                VfioUserRegionInfo.Write(reply, argsz, info);
                return PeerReply.Ok(reply);
            },
        });

        RegionInfo info = harness.Client.GetRegionInfo(1);

        Assert.Equal(RegionFlags.Read | RegionFlags.Write, info.Flags);
        Assert.Empty(info.SparseAreas);
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.Map(1, 0)).Errno);
    }

    [Fact]
    public void Connect_SparseCapabilityWithoutAreas_ReportedNotMappable()
    {
        // A sparse mmap capability listing no areas means nothing of the region may be mapped,
        // even though the flags say MMAP and the fd comes along.
        ClientHarness harness = Start(new PeerScript
        {
            Override = request =>
            {
                if (request.Command != VfioUserCommand.DeviceGetRegionInfo || BinaryPrimitives.ReadUInt32LittleEndian(request.Payload.AsSpan(8)) != 1)
                {
                    return null;
                }

                const uint Full = 32 + 16;
                bool fits = BinaryPrimitives.ReadUInt32LittleEndian(request.Payload) >= Full;
                byte[] reply = new byte[fits ? Full : 32];
                BinaryPrimitives.WriteUInt32LittleEndian(reply, Full);
                BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(4), (uint)(RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap | (fits ? RegionFlags.Caps : 0)));
                BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(8), 1);
                BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(12), fits ? 32u : 0u);
                BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(16), 16 * KiB);
                if (!fits)
                {
                    return PeerReply.Ok(reply);
                }

                BinaryPrimitives.WriteUInt16LittleEndian(reply.AsSpan(32), 1); // sparse mmap
                BinaryPrimitives.WriteUInt16LittleEndian(reply.AsSpan(34), 1); // version 1, next 0, nr_areas 0
                return PeerReply.Ok(reply, request.Peer.Region(1).File!.Fd);
            },
        });

        RegionInfo info = harness.Client.GetRegionInfo(1);

        Assert.Equal(RegionFlags.Read | RegionFlags.Write, info.Flags);
        Assert.Equal(16UL * KiB, info.Size);
        Assert.Empty(info.SparseAreas);
        Assert.Equal(2, harness.Peer.RequestsOf(VfioUserCommand.DeviceGetRegionInfo).Count(r => BinaryPrimitives.ReadUInt32LittleEndian(r.Payload.AsSpan(8)) == 1));
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.Map(1, 0)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<HostDeviceException>(() => harness.Client.OpenRegionFile(1)).Errno);
    }

    [Theory]
    [InlineData(VfioUserLimits.MaxDataTransfer, 0, 32 * KiB)] // §8 rule 2: 32 KiB whatever the server offers
    [InlineData(VfioUserLimits.MaxDataTransfer, 16 * KiB, 16 * KiB)] // a smaller cap chosen by the caller
    [InlineData(8 * KiB, 0, 8 * KiB)] // a server that takes less than 32 KiB
    public void Write_64KiB_SentInPiecesOfTheWriteLimit(int serverMax, int optionMax, int piece)
    {
        ClientHarness harness = Start(
            new PeerScript { Capabilities = new VersionCapabilities { MaxMsgFds = 8, MaxDataXferSize = (ulong)serverMax } },
            optionMax == 0 ? null : new VfioUserClientOptions { MaxWriteSize = optionMax });
        byte[] data = Pattern(64 * KiB, seed: 3);

        Assert.Equal(Errno.None, harness.Client.Write(0, 0x1000, data));

        List<PeerRequest> writes = harness.Peer.RequestsOf(VfioUserCommand.RegionWrite);
        Assert.Equal(64 * KiB / piece, writes.Count);
        for (int i = 0; i < writes.Count; i++)
        {
            Assert.True(VfioUserRegionAccess.TryReadWithData(writes[i].Payload, out VfioUserRegionAccess access, out _));
            Assert.Equal((0x1000UL + (ulong)(i * piece), 0u, (uint)piece), (access.Offset, access.Region, access.Count));
            Assert.True(access.Data.SequenceEqual(data.AsSpan(i * piece, piece)), $"piece {i} carries the wrong bytes");
        }

        Assert.True(harness.Peer.Region(0).Bytes.Slice(0x1000, 64 * KiB).SequenceEqual(data));
    }

    [Theory]
    [InlineData(VfioUserLimits.MaxDataTransfer)] // 1 MiB + 512 KiB
    [InlineData(256 * KiB)] // six pieces
    [InlineData(100_000)] // fifteen whole pieces and the rest
    public void Read_OneAndAHalfMiB_ChunkedToTheServersMaxDataXferSize(int serverMax)
    {
        ClientHarness harness = Start(new PeerScript { Capabilities = new VersionCapabilities { MaxMsgFds = 8, MaxDataXferSize = (ulong)serverMax } });
        byte[] data = new byte[(3 * MiB) / 2];

        Assert.Equal(Errno.None, harness.Client.Read(0, 0x10, data));

        Assert.True(data.AsSpan().SequenceEqual(harness.Peer.Region(0).Bytes.Slice(0x10, data.Length)));
        List<(ulong Offset, uint Count)> reads = [.. harness.Peer.RequestsOf(VfioUserCommand.RegionRead).Select(r =>
        {
            Assert.True(VfioUserRegionAccess.TryReadHead(r.Payload, out VfioUserRegionAccess access, out _));
            return (access.Offset, access.Count);
        })];
        var expected = new List<(ulong, uint)>();
        for (int done = 0; done < data.Length; done += serverMax)
        {
            expected.Add((0x10UL + (ulong)done, (uint)Math.Min(serverMax, data.Length - done)));
        }

        Assert.Equal(expected, reads);
    }

    [Fact]
    public void Read_ServerRefuses_ReturnsItsErrnoAndStaysConnected()
    {
        ClientHarness harness = Start();
        byte[] data = new byte[8];

        Assert.Equal(Errno.EINVAL, harness.Client.Read(VfioRegion.Config, 252, data));
        Assert.Equal(Errno.EINVAL, harness.Client.Write(VfioRegion.Config, 252, data));

        Assert.False(harness.Client.IsLost);
        Assert.Equal(Errno.None, harness.Client.Read(VfioRegion.Config, 248, data));
        Assert.Equal(PeerRegion.Pattern(VfioRegion.Config, 248), data[0]);
    }

    [Fact]
    public void Read_ServerAnswersWithAnotherErrno_ReturnsIt()
    {
        ClientHarness harness = Start(new PeerScript { Override = r => r.Command == VfioUserCommand.RegionRead ? PeerReply.Fail(Errno.EIO) : null });

        Assert.Equal(Errno.EIO, harness.Client.Read(0, 0, new byte[4]));
        Assert.False(harness.Client.IsLost);
    }

    [Fact]
    public void ReadWrite_ZeroLength_ReturnAtOnceWithoutARequest()
    {
        ClientHarness harness = Start();
        int before = harness.Peer.Requests.Count;

        Assert.Equal(Errno.None, harness.Client.Read(0, 0, []));
        Assert.Equal(Errno.None, harness.Client.Write(0, 0, []));

        Assert.Equal(before, harness.Peer.Requests.Count);
    }

    [Theory]
    [InlineData(-1, 0UL)] // negative region
    [InlineData(9, 0UL)] // beyond the regions the device has
    [InlineData(0, ulong.MaxValue - 1)] // the range wraps
    public void ReadWrite_OutOfRange_EinvalWithoutARequest(int region, ulong offset)
    {
        ClientHarness harness = Start();
        int before = harness.Peer.Requests.Count;

        Assert.Equal(Errno.EINVAL, harness.Client.Read(region, offset, new byte[4]));
        Assert.Equal(Errno.EINVAL, harness.Client.Write(region, offset, new byte[4]));

        Assert.Equal(before, harness.Peer.Requests.Count);
    }

    [Fact]
    public void ReadWrite_WarmFourByteConfigAccess_AllocatesNothing()
    {
        ClientHarness harness = Start();
        VfioUserClient client = harness.Client;
        byte[] value = new byte[4];

        long read = AllocationMeter.Least(_ => client.Read(VfioRegion.Config, 0x10, value), 200);
        long write = AllocationMeter.Least(i => { value[0] = (byte)i; client.Write(VfioRegion.Config, 0x3C, value); }, 200);

        Assert.Equal(0, read);
        Assert.Equal(0, write);
        Assert.Equal(Errno.None, client.Read(VfioRegion.Config, 0x3C, value));
        Assert.Equal(200, value[0]); // the last write arrived
    }

    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 7) + seed + (i >> 9));
        }

        return bytes;
    }

    private ClientHarness Start(PeerScript? script = null, VfioUserClientOptions? options = null)
    {
        var harness = ClientHarness.Start(script, options);
        _harnesses.Add(harness);
        return harness;
    }
}
