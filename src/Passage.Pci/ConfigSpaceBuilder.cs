using System.Buffers.Binary;
using Passage.Pci.Capabilities;

namespace Passage.Pci;

/// <summary>
/// Writes a configuration space layout: header fields, BARs and capabilities linked into their
/// lists in the order added. Device models and tests build byte-exact config spaces with it.
/// </summary>
public sealed class ConfigSpaceBuilder
{
    private readonly byte[] _bytes;
    private int _lastStandard = -1;
    private int _lastExtended = -1;

    /// <summary>Starts an all-zero space of <paramref name="size"/> bytes (64, 256 or 4096).</summary>
    public ConfigSpaceBuilder(int size = ConfigOffsets.ExtendedSize)
    {
        if (size is not (ConfigOffsets.HeaderSize or ConfigOffsets.ConventionalSize or ConfigOffsets.ExtendedSize))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "config space is 64, 256 or 4096 bytes");
        }

        _bytes = new byte[size];
    }

    /// <summary>Size of the space being built.</summary>
    public int Size => _bytes.Length;

    /// <summary>Writes a byte.</summary>
    public ConfigSpaceBuilder Set8(int offset, byte value)
    {
        _bytes[offset] = value;
        return this;
    }

    /// <summary>Writes a little-endian 16-bit value.</summary>
    public ConfigSpaceBuilder Set16(int offset, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan(offset, 2), value);
        return this;
    }

    /// <summary>Writes a little-endian 32-bit value.</summary>
    public ConfigSpaceBuilder Set32(int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan(offset, 4), value);
        return this;
    }

    /// <summary>Reads back a little-endian 16-bit value.</summary>
    public ushort Get16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(offset, 2));

    /// <summary>Writes the identity fields of the header.</summary>
    public ConfigSpaceBuilder Identity(ushort vendor, ushort device, int classCode, byte revision = 0, HeaderLayout layout = HeaderLayout.Endpoint, bool multiFunction = false)
    {
        Set16(ConfigOffsets.VendorId, vendor);
        Set16(ConfigOffsets.DeviceId, device);
        Set8(ConfigOffsets.RevisionId, revision);
        Set8(ConfigOffsets.ProgIf, (byte)classCode);
        Set8(ConfigOffsets.SubClass, (byte)(classCode >> 8));
        Set8(ConfigOffsets.BaseClass, (byte)(classCode >> 16));
        Set8(ConfigOffsets.HeaderType, (byte)((int)layout | (multiFunction ? 0x80 : 0)));
        return this;
    }

    /// <summary>Writes the subsystem IDs (type 0 header).</summary>
    public ConfigSpaceBuilder Subsystem(ushort vendor, ushort device)
    {
        Set16(ConfigOffsets.SubsystemVendorId, vendor);
        Set16(ConfigOffsets.SubsystemId, device);
        return this;
    }

    /// <summary>Writes the Command register.</summary>
    public ConfigSpaceBuilder Command(PciCommand command) => Set16(ConfigOffsets.Command, (ushort)command);

    /// <summary>ORs bits into the Status register.</summary>
    public ConfigSpaceBuilder Status(PciStatus status) => Set16(ConfigOffsets.Status, (ushort)(Get16(ConfigOffsets.Status) | (ushort)status));

    /// <summary>Writes the interrupt pin (0 none, 1–4 INTA#–INTD#) and line.</summary>
    public ConfigSpaceBuilder Interrupt(byte pin, byte line = 0)
    {
        Set8(ConfigOffsets.InterruptPin, pin);
        Set8(ConfigOffsets.InterruptLine, line);
        return this;
    }

    /// <summary>Writes a BAR (both halves for 64-bit memory) with its type bits and an address.</summary>
    public ConfigSpaceBuilder Bar(int index, BarKind kind, ulong address, bool prefetchable = false)
    {
        int offset = ConfigOffsets.Bar0 + (4 * index);
        switch (kind)
        {
            case BarKind.Io:
                return Set32(offset, ((uint)address & BarEncoding.IoAddressMask) | BarEncoding.IoSpace);
            case BarKind.Mem32:
                return Set32(offset, ((uint)address & BarEncoding.MemoryAddressMask) | (prefetchable ? BarEncoding.Prefetchable : 0));
            default:
                Set32(offset, ((uint)address & BarEncoding.MemoryAddressMask) | BarEncoding.MemoryType64 | (prefetchable ? BarEncoding.Prefetchable : 0));
                return Set32(offset + 4, (uint)(address >> 32));
        }
    }

    /// <summary>
    /// Adds a standard capability at <paramref name="offset"/> with <paramref name="body"/> as the
    /// bytes after the ID/next pair, links it after the previous one and sets Status.CapList.
    /// </summary>
    public ConfigSpaceBuilder Capability(int offset, CapabilityId id, ReadOnlySpan<byte> body) => Capability(offset, (byte)id, body);

    /// <summary>Adds a standard capability by raw ID (see the typed overload).</summary>
    public ConfigSpaceBuilder Capability(int offset, byte id, ReadOnlySpan<byte> body)
    {
        if (offset < ConfigOffsets.HeaderSize || (offset & 3) != 0 || offset + 2 + body.Length > Math.Min(_bytes.Length, ConfigOffsets.ConventionalSize))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "standard capabilities are dword-aligned within 0x40–0xFF");
        }

        _bytes[offset] = id;
        _bytes[offset + 1] = 0;
        body.CopyTo(_bytes.AsSpan(offset + 2));
        if (_lastStandard < 0)
        {
            _bytes[ConfigOffsets.CapabilitiesPointer] = (byte)offset;
        }
        else
        {
            _bytes[_lastStandard + 1] = (byte)offset;
        }

        _lastStandard = offset;
        return Status(PciStatus.CapabilitiesList);
    }

    /// <summary>
    /// Adds an extended capability at <paramref name="offset"/> (≥ 0x100) with <paramref name="body"/>
    /// as the bytes after its header dword, and links it after the previous one.
    /// </summary>
    public ConfigSpaceBuilder ExtendedCapability(int offset, ExtendedCapabilityId id, int version, ReadOnlySpan<byte> body) =>
        ExtendedCapability(offset, (ushort)id, version, body);

    /// <summary>Adds an extended capability by raw ID (see the typed overload).</summary>
    public ConfigSpaceBuilder ExtendedCapability(int offset, ushort id, int version, ReadOnlySpan<byte> body)
    {
        if (offset < ConfigOffsets.ExtendedCapabilitiesStart || (offset & 3) != 0 || offset + 4 + body.Length > _bytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "extended capabilities are dword-aligned within 0x100–0xFFF of a 4096-byte space");
        }

        if (_lastExtended < 0 && offset != ConfigOffsets.ExtendedCapabilitiesStart)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "the first extended capability sits at 0x100");
        }

        Set32(offset, id | ((uint)(version & 0xF) << 16));
        body.CopyTo(_bytes.AsSpan(offset + 4));
        if (_lastExtended >= 0)
        {
            uint previous = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(_lastExtended));
            Set32(_lastExtended, (previous & 0x000F_FFFF) | ((uint)offset << 20));
        }

        _lastExtended = offset;
        return this;
    }

    /// <summary>The bytes built so far, as a snapshot.</summary>
    public ConfigSpace Build() => new(_bytes);

    /// <summary>A copy of the bytes built so far.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();
}
