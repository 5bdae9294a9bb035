using System.Buffers.Binary;

namespace Passage.VfioUser.Protocol;

/// <summary>
/// One GET_REGION_IO_FDS entry (vfio-user.md §5). Both forms start offset u64 at 0, size u64 at 8
/// (0 = any width), fd_index u32 at 16, type u32 at 20, flags u32 at 24. The spec's 40-byte form
/// has padding at 28 and datamatch (or user_data) u64 at 32; libvfio-user's 48-byte form has the
/// shadow fd index u32 at 28, the shadow offset u64 at 32 and datamatch u64 at 40.
/// </summary>
/// <param name="Offset">Offset in the region.</param>
/// <param name="Size">Access width matched; 0 for any.</param>
/// <param name="FdIndex">Which of the reply's fds.</param>
/// <param name="Type">ioeventfd, ioregionfd or shadow ioeventfd.</param>
/// <param name="Flags">KVM ioeventfd or ioregion flags, passed through.</param>
/// <param name="Datamatch">The value matched (ioeventfd) or user data (ioregionfd).</param>
/// <param name="ShadowFdIndex">The shadow memory's fd index (48-byte form only).</param>
/// <param name="ShadowOffset">The offset in the shadow memory (48-byte form only).</param>
public readonly record struct VfioUserIoFdEntry(ulong Offset, ulong Size, uint FdIndex, VfioUserIoFdType Type, uint Flags, ulong Datamatch, uint ShadowFdIndex = 0, ulong ShadowOffset = 0)
{
    /// <summary>The spec's entry size.</summary>
    public const int SpecSize = 40;

    /// <summary>libvfio-user's entry size.</summary>
    public const int LibVfioUserSize = 48;

    /// <summary>Reads an entry of <paramref name="stride"/> bytes (40 or 48).</summary>
    internal static VfioUserIoFdEntry Read(ReadOnlySpan<byte> entry, int stride)
    {
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
        uint fdIndex = BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]);
        var type = (VfioUserIoFdType)BinaryPrimitives.ReadUInt32LittleEndian(entry[20..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(entry[24..]);
        return stride == LibVfioUserSize
            ? new VfioUserIoFdEntry(offset, size, fdIndex, type, flags, BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]), BinaryPrimitives.ReadUInt32LittleEndian(entry[28..]), BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]))
            : new VfioUserIoFdEntry(offset, size, fdIndex, type, flags, BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]));
    }

    /// <summary>Writes the entry in the form of <paramref name="stride"/> bytes (40 or 48).</summary>
    internal void Write(Span<byte> entry, int stride)
    {
        entry[..stride].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(entry, Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], Size);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], FdIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], (uint)Type);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[24..], Flags);
        if (stride == LibVfioUserSize)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(entry[28..], ShadowFdIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], ShadowOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[40..], Datamatch);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], Datamatch);
        }
    }
}
