using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_GET_INFO request and reply (vfio-user.md §4), 16 bytes: argsz u32 at 0, flags u32 at 4
/// (RESET 1, PCI 2), num_regions u32 at 8, num_irqs u32 at 12. A request sets only argsz.
/// </summary>
/// <param name="Argsz">16.</param>
/// <param name="Flags">Device flags (reply).</param>
/// <param name="NumRegions">Regions (reply; at most <see cref="VfioUserLimits.MaxRegions"/>).</param>
/// <param name="NumIrqs">IRQ indexes (reply; at most <see cref="VfioUserLimits.MaxIrqIndexes"/>).</param>
public readonly record struct VfioUserDeviceInfo(uint Argsz, DeviceFlags Flags, uint NumRegions, uint NumIrqs)
{
    /// <summary>The payload's size.</summary>
    public const int PayloadSize = 16;

    /// <summary>The request: argsz 16, the rest 0.</summary>
    public static VfioUserDeviceInfo Request => new(PayloadSize, DeviceFlags.None, 0, 0);

    /// <summary>A reply with argsz 16.</summary>
    public static VfioUserDeviceInfo Reply(DeviceFlags flags, uint numRegions, uint numIrqs) => new(PayloadSize, flags, numRegions, numIrqs);

    /// <summary>Reads a request or reply; EINVAL when the payload is not 16 bytes, argsz is below 16, or a count is beyond its limit.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserDeviceInfo info, out Errno error)
    {
        info = default;
        if (payload.Length != PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        var read = new VfioUserDeviceInfo(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            (DeviceFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]));
        if (read.Argsz < PayloadSize || read.NumRegions > VfioUserLimits.MaxRegions || read.NumIrqs > VfioUserLimits.MaxIrqIndexes)
        {
            error = Errno.EINVAL;
            return false;
        }

        info = read;
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the 16 bytes; returns 16.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], NumRegions);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], NumIrqs);
        return PayloadSize;
    }
}
