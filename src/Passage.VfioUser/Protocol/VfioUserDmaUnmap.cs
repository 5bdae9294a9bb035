using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DMA_UNMAP request and its echoed reply (vfio-user.md §4), 24 bytes: argsz u32 at 0, flags u32
/// at 4, address u64 at 8, size u64 at 16. With <see cref="VfioUserDmaUnmapFlags.All"/> address and
/// size are 0; otherwise they name one window exactly.
/// </summary>
/// <param name="Argsz">24 (no dirty bitmap is ever asked for).</param>
/// <param name="Flags">Unmap-all or the old dirty-bitmap request.</param>
/// <param name="Address">The window's address.</param>
/// <param name="Size">The window's length.</param>
public readonly record struct VfioUserDmaUnmap(uint Argsz, VfioUserDmaUnmapFlags Flags, ulong Address, ulong Size)
{
    /// <summary>The payload's size.</summary>
    public const int PayloadSize = 24;

    /// <summary>Whether every window goes.</summary>
    public bool UnmapAll => (Flags & VfioUserDmaUnmapFlags.All) != 0;

    /// <summary>A request with argsz 24.</summary>
    public static VfioUserDmaUnmap Create(VfioUserDmaUnmapFlags flags, ulong address, ulong size) =>
        new(PayloadSize, flags, address, size);

    /// <summary>
    /// Reads a request or reply; EINVAL when the payload is not 24 bytes, argsz is below 24, an
    /// unmap-all names a range, or a single unmap has size 0 or wraps.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserDmaUnmap unmap, out Errno error)
    {
        unmap = default;
        if (payload.Length != PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        var read = new VfioUserDmaUnmap(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            (VfioUserDmaUnmapFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
        bool rangeOk = read.UnmapAll
            ? read.Address == 0 && read.Size == 0
            : read.Size != 0 && read.Address <= ulong.MaxValue - read.Size;
        if (read.Argsz < PayloadSize || !rangeOk)
        {
            error = Errno.EINVAL;
            return false;
        }

        unmap = read;
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the 24 bytes; returns 24.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Address);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Size);
        return PayloadSize;
    }
}
