using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux.Vfio;

namespace Passage.Host.Tests.Linux;

public sealed class VfioCapabilityChainTests
{
    private const uint RegionSize = 0x10000;

    [Fact]
    public void TryParseRegionInfo_NoCapsFlag_ReturnsNone()
    {
        byte[] buffer = RegionInfo(flags: 7, capOffset: 0, argsz: 32);

        Assert.True(VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out string? error));

        Assert.Null(error);
        Assert.Null(caps.SparseAreas);
        Assert.False(caps.MsixMappable);
        Assert.Null(caps.Type);
    }

    [Fact]
    public void TryParseRegionInfo_SparseThenMsixMappable_DecodesBoth()
    {
        byte[] buffer = RegionInfo(flags: 0xF, capOffset: 32, argsz: 32 + 48 + 8);
        WriteSparse(buffer, 32, next: 80, [(0, 0x2000), (0x3000, 0xD000)]);
        WriteHeader(buffer, 80, VfioConstants.RegionInfoCapMsixMappable, 1, next: 0);

        Assert.True(VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out string? error), error);

        Assert.Equal([new SparseArea(0, 0x2000), new SparseArea(0x3000, 0xD000)], caps.SparseAreas);
        Assert.True(caps.MsixMappable);
    }

    [Fact]
    public void TryParseRegionInfo_TypeCap_DecodesTypeAndSubtype()
    {
        byte[] buffer = RegionInfo(flags: 0x9, capOffset: 32, argsz: 48);
        WriteHeader(buffer, 32, VfioConstants.RegionInfoCapType, 1, next: 0);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(40), 0x8086_0000 | 3);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(44), 1);

        Assert.True(VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out _));

        Assert.Equal((0x8086_0003u, 1u), caps.Type);
    }

    [Fact]
    public void TryParseRegionInfo_UnknownCapability_IsSkipped()
    {
        byte[] buffer = RegionInfo(flags: 0x9, capOffset: 32, argsz: 48);
        WriteHeader(buffer, 32, id: 0x77, version: 1, next: 40);
        WriteHeader(buffer, 40, VfioConstants.RegionInfoCapMsixMappable, 1, next: 0);

        Assert.True(VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out _));

        Assert.True(caps.MsixMappable);
    }

    [Fact]
    public void TryParseRegionInfo_SparseWithNoAreas_ReturnsEmptyList()
    {
        byte[] buffer = RegionInfo(flags: 0xF, capOffset: 32, argsz: 48);
        WriteSparse(buffer, 32, next: 0, []);

        Assert.True(VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out _));

        Assert.NotNull(caps.SparseAreas);
        Assert.Empty(caps.SparseAreas);
    }

    // Hostile buffers: each must be refused with a reason, never crash or hang.
    [Theory]
    [InlineData("self-loop")] // next points at itself
    [InlineData("two-cycle")] // two capabilities pointing at each other
    [InlineData("past-end")] // first capability beyond the buffer
    [InlineData("straddles-end")] // header starts 4 bytes before the end
    [InlineData("inside-header")] // offset 4 is inside the fixed struct
    [InlineData("too-many-areas")] // nr_areas larger than the buffer holds
    [InlineData("huge-area-count")] // nr_areas 0xFFFFFFFF
    [InlineData("area-outside-region")] // area runs past the region size
    [InlineData("area-overflow")] // offset + size wraps around 2^64
    [InlineData("sparse-version-2")] // unknown sparse layout
    [InlineData("truncated-type")] // type capability cut short
    [InlineData("two-sparse")] // two sparse capabilities
    public void TryParseRegionInfo_HostileBuffer_Refuses(string kind)
    {
        byte[] buffer = Hostile(kind);

        bool ok = VfioCapabilityChain.TryParseRegionInfo(buffer, out VfioRegionCapabilities caps, out string? error);

        Assert.False(ok);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Same(VfioRegionCapabilities.None, caps);
    }

    [Fact]
    public void TryParseRegionInfo_ShorterThanTheHeader_Refuses()
    {
        Assert.False(VfioCapabilityChain.TryParseRegionInfo(new byte[31], out _, out string? error));

        Assert.Contains("31 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseRegionCapabilities_RandomBuffers_NeverThrow()
    {
        var random = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            byte[] buffer = new byte[random.Next(0, 200)];
            random.NextBytes(buffer);
            uint first = (uint)random.Next(0, 220);

            bool ok = VfioCapabilityChain.TryParseRegionCapabilities(buffer, first, (ulong)random.NextInt64(), out _, out string? error);

            Assert.True(ok || error is not null);
        }
    }

    private static byte[] Hostile(string kind)
    {
        byte[] buffer = RegionInfo(flags: 0xF, capOffset: 32, argsz: 96);
        switch (kind)
        {
            case "self-loop":
                WriteHeader(buffer, 32, VfioConstants.RegionInfoCapMsixMappable, 1, next: 32);
                break;
            case "two-cycle":
                WriteHeader(buffer, 32, VfioConstants.RegionInfoCapMsixMappable, 1, next: 40);
                WriteHeader(buffer, 40, 0x77, 1, next: 32);
                break;
            case "past-end":
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), 4096);
                break;
            case "straddles-end":
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), (uint)buffer.Length - 4);
                break;
            case "inside-header":
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), 4);
                break;
            case "too-many-areas":
                WriteSparse(buffer, 32, next: 0, [(0, 0x1000)]);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(40), 4);
                break;
            case "huge-area-count":
                WriteSparse(buffer, 32, next: 0, []);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(40), uint.MaxValue);
                break;
            case "area-outside-region":
                WriteSparse(buffer, 32, next: 0, [(0xF000, 0x2000)]);
                break;
            case "area-overflow":
                WriteSparse(buffer, 32, next: 0, [(ulong.MaxValue - 0xFFF, 0x2000)]);
                break;
            case "sparse-version-2":
                WriteSparse(buffer, 32, next: 0, [(0, 0x1000)]);
                BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(34), 2);
                break;
            case "truncated-type":
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), (uint)buffer.Length - 8);
                WriteHeader(buffer, buffer.Length - 8, VfioConstants.RegionInfoCapType, 1, next: 0);
                break;
            case "two-sparse":
                WriteSparse(buffer, 32, next: 64, [(0, 0x1000)]);
                WriteSparse(buffer, 64, next: 0, []);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown case");
        }

        return buffer;
    }

    private static byte[] RegionInfo(uint flags, uint capOffset, int argsz)
    {
        byte[] buffer = new byte[argsz];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(12), capOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(16), RegionSize);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(24), 0x100_0000_0000);
        return buffer;
    }

    private static void WriteHeader(byte[] buffer, int at, ushort id, ushort version, uint next)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at), id);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(at + 2), version);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at + 4), next);
    }

    private static void WriteSparse(byte[] buffer, int at, uint next, (ulong Offset, ulong Size)[] areas)
    {
        WriteHeader(buffer, at, VfioConstants.RegionInfoCapSparseMmap, 1, next);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at + 8), (uint)areas.Length);
        for (int i = 0; i < areas.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(at + 16 + (i * 16)), areas[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(at + 24 + (i * 16)), areas[i].Size);
        }
    }
}
