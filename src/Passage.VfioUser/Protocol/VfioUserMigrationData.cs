using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// MIG_DATA_READ and MIG_DATA_WRITE payloads (vfio-user.md §4): argsz u32 at 0, size u32 at 4,
/// then the data where the message carries it. The head alone is a MIG_DATA_READ request; head and
/// data are a MIG_DATA_WRITE request or a MIG_DATA_READ reply. Passage implements no migration and
/// answers both commands with EINVAL; this reads just enough to do so.
/// </summary>
public readonly ref struct VfioUserMigrationData
{
    /// <summary>Size of the head.</summary>
    public const int HeadSize = 8;

    /// <summary>A payload of <paramref name="size"/> bytes asked or carried, with <paramref name="data"/> where the message carries it.</summary>
    public VfioUserMigrationData(uint argsz, uint size, ReadOnlySpan<byte> data = default)
    {
        Argsz = argsz;
        Size = size;
        Data = data;
    }

    /// <summary>The largest reply accepted (request) or the payload's size (reply).</summary>
    public uint Argsz { get; }

    /// <summary>Data bytes asked for or carried.</summary>
    public uint Size { get; }

    /// <summary>The data (a slice of the payload).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The payload's size.</summary>
    public int PayloadSize => HeadSize + Data.Length;

    /// <summary>Reads a payload; EINVAL when it is shorter than 8 bytes, argsz is below 8, the size exceeds <see cref="VfioUserLimits.MaxDataTransfer"/>, or data is present and its length is not the size.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserMigrationData migration, out Errno error)
    {
        migration = default;
        error = Errno.EINVAL;
        if (payload.Length < HeadSize)
        {
            return false;
        }

        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        ReadOnlySpan<byte> data = payload[HeadSize..];
        if (argsz < HeadSize || size > VfioUserLimits.MaxDataTransfer || (!data.IsEmpty && (uint)data.Length != size))
        {
            return false;
        }

        migration = new VfioUserMigrationData(argsz, size, data);
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the payload; returns its size.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Size);
        Data.CopyTo(destination[HeadSize..]);
        return PayloadSize;
    }
}
