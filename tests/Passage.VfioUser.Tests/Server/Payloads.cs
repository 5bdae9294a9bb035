using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Server;

/// <summary>Request payloads written with the codec.</summary>
internal static class Payloads
{
    public static byte[] DeviceInfo() => Write(VfioUserDeviceInfo.PayloadSize, b => VfioUserDeviceInfo.Request.Write(b));

    public static byte[] RegionInfo(uint index, uint argsz = VfioUserRegionInfo.HeadSize) =>
        Write(VfioUserRegionInfoRequest.PayloadSize, b => new VfioUserRegionInfoRequest(argsz, index).Write(b));

    public static byte[] RegionIoFds(uint index, uint argsz = 16) =>
        Write(VfioUserRegionIoFdsRequest.PayloadSize, b => new VfioUserRegionIoFdsRequest(argsz, index).Write(b));

    public static byte[] IrqInfo(uint index) => Write(VfioUserIrqInfo.PayloadSize, b => VfioUserIrqInfo.Request(index).Write(b));

    public static byte[] SetIrqs(IrqSetFlags flags, uint index, uint start, uint count, byte[]? boolData = null)
    {
        byte[] data = boolData ?? [];
        byte[] payload = new byte[VfioUserSetIrqs.HeadSize + data.Length];
        new VfioUserSetIrqs(flags, index, start, count, data).Write(payload);
        return payload;
    }

    public static byte[] RegionRead(ulong offset, uint region, uint count) =>
        Write(VfioUserRegionAccess.HeadSize, b => new VfioUserRegionAccess(offset, region, count).WriteHead(b));

    public static byte[] RegionWrite(ulong offset, uint region, byte[] data)
    {
        byte[] payload = new byte[VfioUserRegionAccess.HeadSize + data.Length];
        new VfioUserRegionAccess(offset, region, data).Write(payload);
        return payload;
    }

    public static byte[] DmaMap(VfioUserDmaMapFlags flags, ulong offset, ulong address, ulong size) =>
        Write(VfioUserDmaMap.PayloadSize, b => VfioUserDmaMap.Create(flags, offset, address, size).Write(b));

    public static byte[] DmaUnmap(VfioUserDmaUnmapFlags flags, ulong address, ulong size) =>
        Write(VfioUserDmaUnmap.PayloadSize, b => VfioUserDmaUnmap.Create(flags, address, size).Write(b));

    private static byte[] Write(int size, SpanAction write)
    {
        byte[] payload = new byte[size];
        write(payload);
        return payload;
    }

    private delegate void SpanAction(Span<byte> destination);
}
