using System.Buffers.Binary;
using System.Numerics;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Policy;

/// <summary>
/// vfio-pci's config-space virtualization for a device not behind the kernel's vfio-pci
/// (host-device.md §2): a shadow filled from hardware at open, per-bit virtual and writable masks,
/// accesses split into naturally aligned pieces that never cross a dword or a capability, BAR and
/// ROM sizing emulated, MSI never enabled through config space, FLR and D-state writes turned
/// into requests to the policy, and the Command-write "backdoor reset" repair of §2.4.
/// </summary>
public sealed class VirtualConfigSpace
{
    private const int BarCount = 6;

    private readonly IConfigHardware _hardware;
    private readonly IConfigPolicyEvents _events;
    private readonly ConfigPermissionMap _map;
    private readonly byte[] _shadow;
    private readonly uint[] _barMask = new uint[BarCount + 1];
    private readonly uint[] _barType = new uint[BarCount + 1];
    private readonly byte[] _openTimeBars = new byte[ConfigOffsets.RomBar + 4 - ConfigOffsets.Bar0];
    private readonly int _msi = -1;
    private readonly int _pcie = -1;
    private readonly int _pm = -1;
    private readonly int _af = -1;
    private readonly bool _flrCapable;
    private readonly bool _afFlrCapable;
    private readonly Lock _lock = new();

    /// <summary>Opens the virtual view of a function.</summary>
    /// <param name="hardware">The real config space.</param>
    /// <param name="openTime">Config space as read from hardware at open (fills the shadow).</param>
    /// <param name="barSizes">Size of each BAR by index (0 = unimplemented).</param>
    /// <param name="romSize">Expansion ROM size (0 = none).</param>
    /// <param name="events">Where resets, power changes and Command writes are reported.</param>
    public VirtualConfigSpace(IConfigHardware hardware, ConfigSpace openTime, IReadOnlyList<ulong> barSizes, ulong romSize, IConfigPolicyEvents events)
    {
        _hardware = hardware;
        _events = events;
        DecodedFunction decoded = DecodedFunction.Decode(openTime);
        int size = openTime.Length > ConfigOffsets.ConventionalSize ? ConfigOffsets.ExtendedSize : ConfigOffsets.ConventionalSize;
        _shadow = new byte[size];
        openTime.Bytes[..Math.Min(openTime.Length, size)].CopyTo(_shadow);
        _map = ConfigPermissionMap.Build(decoded, _shadow);
        openTime.Bytes.Slice(ConfigOffsets.Bar0, _openTimeBars.Length).CopyTo(_openTimeBars);

        foreach (CapabilityEntry e in _map.ExposedStandard)
        {
            switch ((CapabilityId)e.Id)
            {
                case CapabilityId.Msi:
                    _msi = e.Offset;
                    break;
                case CapabilityId.PciExpress:
                    _pcie = e.Offset;
                    break;
                case CapabilityId.PowerManagement:
                    _pm = e.Offset;
                    break;
                case CapabilityId.AdvancedFeatures:
                    _af = e.Offset;
                    break;
            }
        }

        _flrCapable = decoded.Pcie is { IsFlrCapable: true };
        _afFlrCapable = decoded.AdvancedFeatures is { SupportsFlr: true };
        InitBarEmulation(openTime, barSizes, romSize);
    }

    /// <summary>Size of the virtual config space (256 or 4096).</summary>
    public int Size => _shadow.Length;

    /// <summary>The byte map in force.</summary>
    public ConfigPermissionMap Map => _map;

    /// <summary>Reads <paramref name="data"/>.Length bytes at <paramref name="offset"/>; all of them or an errno.</summary>
    public Errno Read(int offset, Span<byte> data)
    {
        if (offset < 0 || data.Length == 0 || offset + data.Length > Size)
        {
            return Errno.EINVAL;
        }

        lock (_lock)
        {
            return ReadCore(offset, data);
        }
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>; bits the policy does not allow are dropped silently.</summary>
    public Errno Write(int offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0 || data.Length == 0 || offset + data.Length > Size)
        {
            return Errno.EINVAL;
        }

        lock (_lock)
        {
            for (int pos = offset; pos < offset + data.Length;)
            {
                int n = PieceSize(pos, offset + data.Length);
                Errno e = WritePiece(pos, data.Slice(pos - offset, n));
                if (e != Errno.None)
                {
                    return e;
                }

                pos += n;
            }
        }

        return Errno.None;
    }

    private Errno ReadCore(int offset, Span<byte> data)
    {
        Span<byte> hw = stackalloc byte[4];
        for (int pos = offset; pos < offset + data.Length;)
        {
            int n = PieceSize(pos, offset + data.Length);
            bool needsHardware = false;
            for (int i = 0; i < n; i++)
            {
                needsHardware |= _map.Virt(pos + i) != 0xFF;
            }

            if (needsHardware)
            {
                Errno e = _hardware.Read(pos, hw[..n]);
                if (e != Errno.None)
                {
                    return e;
                }
            }

            for (int i = 0; i < n; i++)
            {
                byte virt = _map.Virt(pos + i);
                data[pos - offset + i] = (byte)((_shadow[pos + i] & virt) | (needsHardware ? hw[i] & ~virt : 0));
            }

            pos += n;
        }

        return Errno.None;
    }

    private Errno WritePiece(int pos, ReadOnlySpan<byte> value)
    {
        int n = value.Length;
        ushort previousCommand = BinaryPrimitives.ReadUInt16LittleEndian(_shadow.AsSpan(ConfigOffsets.Command));
        bool touchesCommand = Touches(pos, n, ConfigOffsets.Command, 2);
        Span<byte> hw = stackalloc byte[4];
        bool hardwareBits = false;
        for (int i = 0; i < n; i++)
        {
            hardwareBits |= (_map.Write(pos + i) & ~_map.Virt(pos + i) & 0xFF) != 0;
        }

        if (touchesCommand)
        {
            Errno repair = RepairBackdoorReset(pos, value, previousCommand);
            if (repair != Errno.None)
            {
                return repair;
            }
        }

        if (hardwareBits)
        {
            Errno e = _hardware.Read(pos, hw[..n]);
            if (e != Errno.None)
            {
                return e;
            }

            for (int i = 0; i < n; i++)
            {
                byte toHardware = (byte)(_map.Write(pos + i) & ~_map.Virt(pos + i));
                hw[i] = (byte)((hw[i] & ~toHardware) | (value[i] & toHardware));
            }

            e = _hardware.Write(pos, hw[..n]);
            if (e != Errno.None)
            {
                return e;
            }
        }

        for (int i = 0; i < n; i++)
        {
            // Command keeps every bit the user wrote (as vfio's vconfig does), so a later write can tell
            // decode the user enabled from decode the hardware lost; reads still take hardware bits.
            bool command = pos + i is ConfigOffsets.Command or ConfigOffsets.Command + 1;
            byte toShadow = command ? _map.Write(pos + i) : (byte)(_map.Write(pos + i) & _map.Virt(pos + i));
            _shadow[pos + i] = (byte)((_shadow[pos + i] & ~toShadow) | (value[i] & toShadow));
        }

        return AfterWrite(pos, value, previousCommand, touchesCommand);
    }

    // Side effects of the registers a piece touched, in the order vfio-pci applies them.
    private Errno AfterWrite(int pos, ReadOnlySpan<byte> value, ushort previousCommand, bool touchesCommand)
    {
        int n = value.Length;
        if (pos < ConfigOffsets.RomBar + 4 && pos + n > ConfigOffsets.Bar0)
        {
            for (int bar = 0; bar <= BarCount; bar++)
            {
                int at = bar == BarCount ? ConfigOffsets.RomBar : ConfigOffsets.Bar0 + (4 * bar);
                if (Touches(pos, n, at, 4))
                {
                    uint v = BinaryPrimitives.ReadUInt32LittleEndian(_shadow.AsSpan(at));
                    BinaryPrimitives.WriteUInt32LittleEndian(_shadow.AsSpan(at), (v & _barMask[bar]) | _barType[bar]);
                }
            }
        }

        if (touchesCommand)
        {
            ushort current = ReadCommand();
            _events.CommandWritten((PciCommand)previousCommand, (PciCommand)current);
        }

        if (_pm >= 0 && Touches(pos, n, _pm + PowerManagementCapability.ControlStatusOffset, 1))
        {
            int state = value[_pm + PowerManagementCapability.ControlStatusOffset - pos] & PowerManagementCapability.PowerStateMask;
            _shadow[_pm + PowerManagementCapability.ControlStatusOffset + 1] &= 0x7F; // PME_Status stays virtual 0
            _events.PowerStateRequested(state);
        }

        if (_msi >= 0 && Touches(pos, n, _msi + MsiCapability.ControlOffset, 1))
        {
            Errno e = ApplyMsiControl();
            if (e != Errno.None)
            {
                return e;
            }
        }

        if (_pcie >= 0 && Touches(pos, n, _pcie + PciExpressCapability.DeviceControlOffset, 2))
        {
            Errno e = ApplyDeviceControl();
            if (e != Errno.None)
            {
                return e;
            }
        }

        if (_af >= 0 && Touches(pos, n, _af + AdvancedFeaturesCapability.ControlOffset, 1))
        {
            int control = _af + AdvancedFeaturesCapability.ControlOffset;
            bool initiate = (_shadow[control] & 0x01) != 0;
            _shadow[control] &= 0xFE;
            if (initiate && _afFlrCapable)
            {
                _events.FunctionLevelResetRequested();
            }
        }

        return Errno.None;
    }

    // MSI can only be enabled through SET_IRQS; MME is clamped to what was allocated; the word goes to hardware too.
    private Errno ApplyMsiControl()
    {
        int at = _msi + MsiCapability.ControlOffset;
        ushort control = BinaryPrimitives.ReadUInt16LittleEndian(_shadow.AsSpan(at));
        if (!_events.MsiEnabled)
        {
            control &= unchecked((ushort)~MsiCapability.Enable);
        }

        int allocated = Math.Max(_events.MsiVectorsAllocated, 1);
        int maxLog2 = BitOperations.Log2((uint)allocated);
        int mme = (control & MsiCapability.MultipleMessageEnableMask) >> 4;
        if (mme > maxLog2)
        {
            control = (ushort)((control & ~MsiCapability.MultipleMessageEnableMask) | (maxLog2 << 4));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(_shadow.AsSpan(at), control);
        Span<byte> word = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(word, control);
        return _hardware.Write(at, word);
    }

    // Initiate FLR reads 0 and becomes a reset request; a new MRRS reaches hardware as max(requested, current MPS).
    private Errno ApplyDeviceControl()
    {
        int at = _pcie + PciExpressCapability.DeviceControlOffset;
        ushort control = BinaryPrimitives.ReadUInt16LittleEndian(_shadow.AsSpan(at));
        bool initiate = (control & PciExpressCapability.InitiateFlr) != 0;
        BinaryPrimitives.WriteUInt16LittleEndian(_shadow.AsSpan(at), (ushort)(control & ~PciExpressCapability.InitiateFlr));

        Span<byte> hw = stackalloc byte[2];
        Errno e = _hardware.Read(at, hw);
        if (e != Errno.None)
        {
            return e;
        }

        ushort hardware = BinaryPrimitives.ReadUInt16LittleEndian(hw);
        int mrrs = 128 << ((control >> 12) & 7);
        int mps = 128 << ((hardware >> 5) & 7);
        int code = BitOperations.Log2((uint)Math.Max(mrrs, mps) / 128);
        ushort wanted = (ushort)((hardware & ~0x7000) | (code << 12));
        if (wanted != hardware)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(hw, wanted);
            e = _hardware.Write(at, hw);
            if (e != Errno.None)
            {
                return e;
            }
        }

        if (initiate && _flrCapable)
        {
            _events.FunctionLevelResetRequested();
        }

        return Errno.None;
    }

    // §2.4: enabling decode that the shadow shows enabled but hardware shows disabled, or BARs that
    // differ from hardware, means the device was reset behind our back: put the open-time BARs back first.
    private Errno RepairBackdoorReset(int pos, ReadOnlySpan<byte> value, ushort previousCommand)
    {
        Span<byte> newCommand = stackalloc byte[2];
        _shadow.AsSpan(ConfigOffsets.Command, 2).CopyTo(newCommand);
        for (int i = 0; i < value.Length; i++)
        {
            int at = pos + i - ConfigOffsets.Command;
            if (at is >= 0 and < 2)
            {
                newCommand[at] = value[i];
            }
        }

        const ushort decode = (ushort)(PciCommand.MemorySpace | PciCommand.IoSpace);
        if ((BinaryPrimitives.ReadUInt16LittleEndian(newCommand) & decode) == 0)
        {
            return Errno.None;
        }

        Span<byte> hw = stackalloc byte[_openTimeBars.Length];
        Errno e = _hardware.Read(ConfigOffsets.Command, hw[..2]);
        if (e != Errno.None)
        {
            return e;
        }

        ushort hardwareCommand = BinaryPrimitives.ReadUInt16LittleEndian(hw);
        bool decodeLost = (previousCommand & decode & ~hardwareCommand) != 0;
        e = _hardware.Read(ConfigOffsets.Bar0, hw);
        if (e != Errno.None)
        {
            return e;
        }

        bool barsLost = false;
        for (int i = 0; i < _openTimeBars.Length; i += 4)
        {
            uint saved = BinaryPrimitives.ReadUInt32LittleEndian(_openTimeBars.AsSpan(i));
            barsLost |= saved != 0 && saved != BinaryPrimitives.ReadUInt32LittleEndian(hw[i..]);
        }

        return decodeLost || barsLost ? _hardware.Write(ConfigOffsets.Bar0, _openTimeBars) : Errno.None;
    }

    private void InitBarEmulation(ConfigSpace openTime, IReadOnlyList<ulong> barSizes, ulong romSize)
    {
        for (int bar = 0; bar < BarCount; bar++)
        {
            uint raw = openTime.Read32(ConfigOffsets.Bar0 + (4 * bar));
            ulong size = bar < barSizes.Count ? barSizes[bar] : 0;
            if (size == 0)
            {
                continue;
            }

            if ((raw & BarEncoding.IoSpace) != 0)
            {
                (_barMask[bar], _barType[bar]) = ((uint)~(size - 1) & BarEncoding.IoAddressMask, BarEncoding.IoSpace);
            }
            else
            {
                (_barMask[bar], _barType[bar]) = ((uint)~(size - 1) & BarEncoding.MemoryAddressMask, raw & ~BarEncoding.MemoryAddressMask);
                if ((raw & BarEncoding.MemoryTypeMask) == BarEncoding.MemoryType64 && bar + 1 < BarCount)
                {
                    _barMask[bar + 1] = (uint)(~(size - 1) >> 32);
                    bar++;
                }
            }
        }

        if (romSize != 0)
        {
            _barMask[BarCount] = ((uint)~(romSize - 1) & BarEncoding.RomAddressMask) | BarEncoding.RomEnable;
        }

        for (int bar = 0; bar <= BarCount; bar++)
        {
            int at = bar == BarCount ? ConfigOffsets.RomBar : ConfigOffsets.Bar0 + (4 * bar);
            uint v = BinaryPrimitives.ReadUInt32LittleEndian(_shadow.AsSpan(at));
            BinaryPrimitives.WriteUInt32LittleEndian(_shadow.AsSpan(at), (v & _barMask[bar]) | _barType[bar]);
        }
    }

    private ushort ReadCommand()
    {
        Span<byte> b = stackalloc byte[2];
        return ReadCore(ConfigOffsets.Command, b) == Errno.None ? BinaryPrimitives.ReadUInt16LittleEndian(b) : (ushort)0;
    }

    private int PieceSize(int pos, int end)
    {
        int n = (pos & 3) == 0 && end - pos >= 4 ? 4 : (pos & 1) == 0 && end - pos >= 2 ? 2 : 1;
        while (n > 1 && _map.Owner(pos + n - 1) != _map.Owner(pos))
        {
            n /= 2;
        }

        return n;
    }

    private static bool Touches(int pos, int n, int register, int size) => pos < register + size && register < pos + n;
}
