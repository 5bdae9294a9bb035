using System.Buffers.Binary;
using System.Numerics;
using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// DEVICE_SET_IRQS request (vfio-user.md §4, §6): argsz u32 at 0 (the whole payload), flags u32
/// at 4, index u32 at 8, start u32 at 12, count u32 at 16, then one byte per vector with DATA_BOOL.
/// EVENTFD data travels as fds beside the message, not in it. The reply is empty.
/// </summary>
public readonly ref struct VfioUserSetIrqs
{
    /// <summary>Size of the fixed part.</summary>
    public const int HeadSize = 20;

    /// <summary>A request; argsz is the fixed part plus <paramref name="boolData"/> (empty unless DATA_BOOL).</summary>
    public VfioUserSetIrqs(IrqSetFlags flags, uint index, uint start, uint count, ReadOnlySpan<byte> boolData = default)
        : this((uint)(HeadSize + boolData.Length), flags, index, start, count, boolData)
    {
    }

    private VfioUserSetIrqs(uint argsz, IrqSetFlags flags, uint index, uint start, uint count, ReadOnlySpan<byte> data)
    {
        Argsz = argsz;
        Flags = flags;
        Index = index;
        Start = start;
        Count = count;
        Data = data;
    }

    /// <summary>The whole payload's size.</summary>
    public uint Argsz { get; }

    /// <summary>One DATA and one ACTION bit.</summary>
    public IrqSetFlags Flags { get; }

    /// <summary>The IRQ index.</summary>
    public uint Index { get; }

    /// <summary>The first vector.</summary>
    public uint Start { get; }

    /// <summary>Vectors affected.</summary>
    public uint Count { get; }

    /// <summary>The BOOL bytes (a slice of the payload).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The payload's size.</summary>
    public int PayloadSize => HeadSize + Data.Length;

    /// <summary>Reads a request; EINVAL when the payload is shorter than 20 bytes, argsz is not the payload's size, or the count is beyond <see cref="VfioUserLimits.MaxIrqVectors"/>. The rules of §6 are <see cref="Validate"/>'s.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out VfioUserSetIrqs request, out Errno error)
    {
        request = default;
        error = Errno.EINVAL;
        if (payload.Length < HeadSize)
        {
            return false;
        }

        uint argsz = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]);
        if (argsz != (uint)payload.Length || count > VfioUserLimits.MaxIrqVectors)
        {
            return false;
        }

        request = new VfioUserSetIrqs(
            argsz,
            (IrqSetFlags)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
            count,
            payload[HeadSize..]);
        error = Errno.None;
        return true;
    }

    /// <summary>
    /// The rules of vfio-user.md §6 for an index of <paramref name="vectorCount"/> vectors with
    /// <paramref name="fdCount"/> fds received: exactly one DATA and one ACTION bit and no other;
    /// ERR and REQ only with TRIGGER and at most one vector; count 0 only with start 0 and
    /// NONE | TRIGGER (disabling the index); otherwise start + count within the index; fds only with
    /// EVENTFD, and then none (de-assign) or exactly count; BOOL bytes exactly count, none otherwise.
    /// Returns <see cref="Errno.None"/> or <see cref="Errno.EINVAL"/>.
    /// </summary>
    public Errno Validate(uint vectorCount, int fdCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fdCount);
        IrqSetFlags data = Flags & IrqSetFlags.DataMask;
        IrqSetFlags action = Flags & IrqSetFlags.ActionMaskAll;
        if ((Flags & ~(IrqSetFlags.DataMask | IrqSetFlags.ActionMaskAll)) != 0
            || BitOperations.PopCount((uint)data) != 1
            || BitOperations.PopCount((uint)action) != 1)
        {
            return Errno.EINVAL;
        }

        if (Index is VfioIrq.Err or VfioIrq.Req && (action != IrqSetFlags.ActionTrigger || Count > 1))
        {
            return Errno.EINVAL;
        }

        if (Count == 0)
        {
            bool disables = Start == 0 && Flags == (IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger);
            return disables && fdCount == 0 && Data.IsEmpty ? Errno.None : Errno.EINVAL;
        }

        if ((ulong)Start + Count > vectorCount)
        {
            return Errno.EINVAL;
        }

        bool fdsOk = data == IrqSetFlags.DataEventfd ? fdCount == 0 || fdCount == Count : fdCount == 0;
        bool bytesOk = data == IrqSetFlags.DataBool ? Data.Length == Count : Data.IsEmpty;
        return fdsOk && bytesOk ? Errno.None : Errno.EINVAL;
    }

    /// <summary>Writes the request; returns its size.</summary>
    public int Write(Span<byte> destination)
    {
        VfioUserWire.EnsureRoom(destination, PayloadSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Argsz);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Start);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Count);
        Data.CopyTo(destination[HeadSize..]);
        return PayloadSize;
    }
}
