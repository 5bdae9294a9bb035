using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_FEATURE request and reply (vfio-user.md §4): argsz u32 at 0, flags u32 at 4 (feature in
/// bits 15:0, GET/SET/PROBE above), then the feature's data. Passage implements no feature and
/// answers every one with ENOTTY; this reads just enough to do so.
/// </summary>
public readonly ref struct VfioUserDeviceFeature
{
    /// <summary>Size of the fixed part.</summary>
    public const int HeadSize = 8;

    /// <summary>A request or reply with argsz <paramref name="argsz"/>.</summary>
    public VfioUserDeviceFeature(uint argsz, VfioUserDeviceFeatureFlags flags, ReadOnlySpan<byte> data = default)
    {
        Argsz = argsz;
        Flags = flags;
        Data = data;
    }

    /// <summary>In a request, the largest reply accepted; in a GET reply, the size the data needs.</summary>
    public uint Argsz { get; }

    /// <summary>Feature and operation.</summary>
    public VfioUserDeviceFeatureFlags Flags { get; }

    /// <summary>The feature number (bits 15:0).</summary>
    public VfioUserDeviceFeatureId Feature => (VfioUserDeviceFeatureId)(ushort)(Flags & VfioUserDeviceFeatureFlags.FeatureMask);

    /// <summary>The feature's data (a slice of the payload).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The payload's size.</summary>
    public int PayloadSize => HeadSize + Data.Length;

    /// <summary>Reads a request or reply; EINVAL when the payload is shorter than 8 bytes or argsz is below 8.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserDeviceFeature feature, out Errno error)
    {
        feature = default;
        if (payload.Length < HeadSize || BinaryPrimitives.ReadUInt32LittleEndian(payload) < HeadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        feature = new VfioUserDeviceFeature(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            (VfioUserDeviceFeatureFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            payload[HeadSize..]);
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the payload; returns its size.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        Data.CopyTo(destination[HeadSize..]);
        return PayloadSize;
    }
}
