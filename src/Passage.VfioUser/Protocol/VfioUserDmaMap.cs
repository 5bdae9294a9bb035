using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DMA_MAP request (vfio-user.md §4), 32 bytes: argsz u32 at 0, flags u32 at 4, offset u64 at 8
/// (into the fd sent with it; 0 without one), address u64 at 16, size u64 at 24. The reply is empty.
/// </summary>
/// <param name="Argsz">32.</param>
/// <param name="Flags">Read and/or write access for the device.</param>
/// <param name="Offset">Offset of the window in the fd.</param>
/// <param name="Address">The window's address in the client's DMA space.</param>
/// <param name="Size">The window's length (not 0; neither address + size nor offset + size wraps).</param>
public readonly record struct VfioUserDmaMap(uint Argsz, VfioUserDmaMapFlags Flags, ulong Offset, ulong Address, ulong Size)
{
    /// <summary>The payload's size.</summary>
    public const int PayloadSize = 32;

    /// <summary>A request with argsz 32.</summary>
    public static VfioUserDmaMap Create(VfioUserDmaMapFlags flags, ulong offset, ulong address, ulong size) =>
        new(PayloadSize, flags, offset, address, size);

    /// <summary>Reads a request; EINVAL when the payload is not 32 bytes, argsz is below 32, the size is 0 or a range wraps.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserDmaMap map, out Errno error)
    {
        map = default;
        if (payload.Length != PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        var read = new VfioUserDmaMap(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            (VfioUserDmaMapFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[24..]));
        if (read.Argsz < PayloadSize || read.Size == 0 || read.Address > ulong.MaxValue - read.Size || read.Offset > ulong.MaxValue - read.Size)
        {
            error = Errno.EINVAL;
            return false;
        }

        map = read;
        error = Errno.None;
        return true;
    }

    /// <summary>Writes the 32 bytes; returns 32.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Address);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], Size);
        return PayloadSize;
    }
}
