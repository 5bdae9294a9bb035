using System.Buffers.Binary;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_GET_IRQ_INFO request and reply (vfio-user.md §4), 16 bytes: argsz u32 at 0, flags u32
/// at 4 (EVENTFD 1, MASKABLE 2, AUTOMASKED 4, NORESIZE 8), index u32 at 8, count u32 at 12.
/// </summary>
/// <param name="Argsz">16.</param>
/// <param name="Flags">The index's capabilities (reply).</param>
/// <param name="Index">The IRQ index (0 INTx, 1 MSI, 2 MSI-X, 3 ERR, 4 REQ).</param>
/// <param name="Count">Vectors (reply; at most <see cref="VfioUserLimits.MaxIrqVectors"/>).</param>
public readonly record struct VfioUserIrqInfo(uint Argsz, IrqInfoFlags Flags, uint Index, uint Count)
{
    /// <summary>The payload's size.</summary>
    public const int PayloadSize = 16;

    /// <summary>The request for <paramref name="index"/>.</summary>
    public static VfioUserIrqInfo Request(uint index) => new(PayloadSize, IrqInfoFlags.None, index, 0);

    /// <summary>A reply with argsz 16.</summary>
    public static VfioUserIrqInfo Reply(IrqInfoFlags flags, uint index, uint count) => new(PayloadSize, flags, index, count);

    /// <summary>Reads a request or reply; EINVAL when the payload is not 16 bytes, argsz is below 16, or the count is beyond the limit.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserIrqInfo info, out Errno error)
    {
        info = default;
        if (payload.Length != PayloadSize)
        {
            error = Errno.EINVAL;
            return false;
        }

        var read = new VfioUserIrqInfo(
            BinaryPrimitives.ReadUInt32LittleEndian(payload),
            (IrqInfoFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]));
        if (read.Argsz < PayloadSize || read.Count > VfioUserLimits.MaxIrqVectors)
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
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Count);
        return PayloadSize;
    }
}
