using System.Buffers.Binary;

namespace Passage.Pci;

/// <summary>
/// An immutable snapshot of one function's configuration space (64, 256 or 4096 bytes, or any
/// shorter capture). Bytes beyond the captured length read as all ones, as absent bytes do on
/// the bus, so decoders never index out of range.
/// </summary>
public sealed class ConfigSpace
{
    private readonly byte[] _bytes;

    /// <summary>Wraps a copy of <paramref name="bytes"/>.</summary>
    public ConfigSpace(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ConfigOffsets.ExtendedSize)
        {
            throw new ArgumentException($"config space is at most {ConfigOffsets.ExtendedSize} bytes, got {bytes.Length}", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>Number of captured bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>The captured bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Whether the extended (PCIe) area beyond 256 bytes was captured.</summary>
    public bool HasExtendedSpace => _bytes.Length > ConfigOffsets.ConventionalSize;

    /// <summary>Whether <paramref name="size"/> bytes at <paramref name="offset"/> were captured.</summary>
    public bool Contains(int offset, int size) => offset >= 0 && size >= 0 && offset + size <= _bytes.Length;

    /// <summary>Reads a byte; all ones when not captured.</summary>
    public byte Read8(int offset) => Contains(offset, 1) ? _bytes[offset] : (byte)0xFF;

    /// <summary>Reads a little-endian 16-bit value; all ones when not captured.</summary>
    public ushort Read16(int offset) =>
        Contains(offset, 2) ? BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(offset)) : (ushort)0xFFFF;

    /// <summary>Reads a little-endian 32-bit value; all ones when not captured.</summary>
    public uint Read32(int offset) =>
        Contains(offset, 4) ? BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(offset)) : 0xFFFF_FFFFu;

    /// <summary>Reads a little-endian 64-bit value as two dwords, low first.</summary>
    public ulong Read64(int offset) => Read32(offset) | ((ulong)Read32(offset + 4) << 32);

    /// <summary>Vendor ID; 0xFFFF means no function.</summary>
    public ushort VendorId => Read16(ConfigOffsets.VendorId);

    /// <summary>Device ID.</summary>
    public ushort DeviceId => Read16(ConfigOffsets.DeviceId);

    /// <summary>Command register.</summary>
    public PciCommand Command => (PciCommand)Read16(ConfigOffsets.Command);

    /// <summary>Status register.</summary>
    public PciStatus Status => (PciStatus)Read16(ConfigOffsets.Status);

    /// <summary>Revision ID.</summary>
    public byte RevisionId => Read8(ConfigOffsets.RevisionId);

    /// <summary>24-bit class code: base class, sub-class, programming interface.</summary>
    public int ClassCode => (int)(Read32(ConfigOffsets.RevisionId) >> 8);

    /// <summary>Raw Header Type register.</summary>
    public byte HeaderTypeRegister => Read8(ConfigOffsets.HeaderType);

    /// <summary>Header layout (bits 6:0 of Header Type).</summary>
    public HeaderLayout Layout => (HeaderLayout)(HeaderTypeRegister & 0x7F);

    /// <summary>Multi-function bit (bit 7 of Header Type).</summary>
    public bool IsMultiFunction => (HeaderTypeRegister & 0x80) != 0;

    /// <summary>Subsystem vendor ID (type 0 only; 0 otherwise).</summary>
    public ushort SubsystemVendorId => Layout == HeaderLayout.Endpoint ? Read16(ConfigOffsets.SubsystemVendorId) : (ushort)0;

    /// <summary>Subsystem ID (type 0 only; 0 otherwise).</summary>
    public ushort SubsystemId => Layout == HeaderLayout.Endpoint ? Read16(ConfigOffsets.SubsystemId) : (ushort)0;

    /// <summary>Interrupt pin: 0 none, 1–4 INTA#–INTD#.</summary>
    public byte InterruptPin => Read8(ConfigOffsets.InterruptPin);

    /// <summary>Interrupt line.</summary>
    public byte InterruptLine => Read8(ConfigOffsets.InterruptLine);

    /// <summary>Whether a function is present (Vendor ID is not all ones and not zero).</summary>
    public bool IsPresent => VendorId is not 0xFFFF and not 0x0000;
}
