using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Linux;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// The running instance of one simulated function: its configuration registers with their
/// per-bit rules, its BAR memory with the real MSI-X table and PBA, its interrupt output,
/// resets with their costs on the <see cref="VirtualClock"/>, and injectable faults.
/// Bad accesses (size, alignment, range) read all ones and writes are dropped; nothing here throws
/// on the access paths. BAR accesses are not gated by Command's decode bits: the device policy
/// layer blocks them, as vfio-pci does, and a mapped BAR could not be gated anyway. Not thread-safe:
/// callers serialise access (the policy layer holds the device lock).
/// </summary>
public sealed partial class SimFunction
{
    private const uint AllOnes = 0xFFFF_FFFF;

    private readonly VirtualClock _clock;
    private readonly ConfigRegisterFile _config;
    private readonly BarStorage?[] _bars = new BarStorage?[6];
    private readonly BarKind[] _barKinds = new BarKind[6];
    private readonly SimControlBlock? _control;
    private readonly int _pm = -1;
    private readonly int _msi = -1;
    private readonly int _msix = -1;
    private readonly int _pcie = -1;
    private readonly int _af = -1;
    private readonly int _aer = -1;
    private readonly bool _msi64;
    private readonly bool _msiMaskable;
    private readonly int _msiCapable;
    private readonly bool _noSoftReset;
    private readonly byte _interruptPin;

    /// <summary>Creates the running function for <paramref name="function"/> of a simulated inventory, at its power-on state.</summary>
    /// <param name="function">The function as the simulated host built it.</param>
    /// <param name="model">Its device model.</param>
    /// <param name="clock">The clock resets charge their waits to.</param>
    public SimFunction(HostFunction function, SimDeviceModel model, VirtualClock clock)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(model);
        Function = function;
        Model = model;
        _clock = clock;
        // Reset returns to hardware reset values; the host's firmware then programmed what the inventory shows.
        _config = new ConfigRegisterFile(HardwareResetValues(function.Config));
        DecodedFunction decoded = function.Decoded;
        ConfigRules.Apply(_config, decoded, model);
        foreach (int offset in FirmwareProgrammed)
        {
            _config.Set(offset, 4, function.Config.Read32(offset));
        }

        foreach (SimBar bar in model.Bars)
        {
            _bars[bar.Index] = new BarStorage(bar.Size);
            _barKinds[bar.Index] = bar.Kind;
        }

        _control = model.ControlBlock;
        _pm = decoded.PowerManagement?.Offset ?? -1;
        _noSoftReset = decoded.PowerManagement?.NoSoftResetSet ?? false;
        _pcie = decoded.Pcie?.Offset ?? -1;
        _af = decoded.AdvancedFeatures?.Offset ?? -1;
        _aer = decoded.Aer?.Offset ?? -1;
        _interruptPin = decoded.Config.InterruptPin;
        if (decoded.Msi is { } msi)
        {
            _msi = msi.Offset;
            _msi64 = msi.Is64Bit;
            _msiMaskable = msi.HasPerVectorMask;
            _msiCapable = msi.MultipleMessageCapable;
        }

        if (decoded.Msix is { } msix)
        {
            _msix = msix.Offset;
            _msixVectors = msix.TableSize;
            _msixTableBar = msix.TableBir;
            _msixTableOffset = msix.TableBarOffset;
            _msixPbaBar = msix.PbaBir;
            _msixPbaOffset = msix.PbaBarOffset;
            _pba = new ulong[(msix.TableSize + 63) / 64];
            ResetMsixTable();
        }

        _powerState = PowerState;
    }

    // Header dwords firmware programs at enumeration and a reset clears: Command, cache line and
    // latency, BARs (and a bridge's bus numbers and windows), ROM BAR, interrupt line.
    private static readonly int[] FirmwareProgrammed =
    [
        ConfigOffsets.Command, ConfigOffsets.CacheLineSize,
        0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x38, ConfigOffsets.InterruptLine,
    ];

    private static byte[] HardwareResetValues(ConfigSpace config)
    {
        byte[] bytes = config.Bytes.ToArray();
        bool bridge = config.Layout == HeaderLayout.Bridge;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(ConfigOffsets.Command), 0);
        bytes[ConfigOffsets.CacheLineSize] = 0;
        bytes[ConfigOffsets.LatencyTimer] = 0;
        bytes[ConfigOffsets.InterruptLine] = 0;
        int bars = BarEncoding.BarCount(config.Layout);
        for (int i = 0; i < bars; i++)
        {
            int at = ConfigOffsets.Bar0 + (4 * i);
            uint raw = config.Read32(at);
            bool upperHalf = i > 0 && (config.Read32(at - 4) & (BarEncoding.IoSpace | BarEncoding.MemoryTypeMask)) == BarEncoding.MemoryType64;
            uint typeBits = upperHalf ? 0 : (raw & BarEncoding.IoSpace) != 0 ? BarEncoding.IoSpace : raw & ~BarEncoding.MemoryAddressMask;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), typeBits);
        }

        int rom = BarEncoding.RomOffset(config.Layout);
        if (rom >= 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(rom), 0);
        }

        if (bridge)
        {
            // Bus numbers, I/O, memory and prefetchable windows; the capability pointer at 0x34 stays.
            bytes.AsSpan(ConfigOffsets.PrimaryBus, ConfigOffsets.CapabilitiesPointer - ConfigOffsets.PrimaryBus).Clear();
        }

        return bytes;
    }

    /// <summary>The function as the inventory describes it.</summary>
    public HostFunction Function { get; }

    /// <summary>Its address.</summary>
    public PciAddress Address => Function.Address;

    /// <summary>Its device model.</summary>
    public SimDeviceModel Model { get; }

    /// <summary>Where interrupts and error messages go (a sink that drops them until set).</summary>
    public IInterruptSink Sink { get; set; } = NullInterruptSink.Instance;

    /// <summary>Configuration space size in bytes (256 or 4096).</summary>
    public int ConfigSize => _config.Size;

    /// <summary>Whether the function answers: not dead, not held in or recovering from a reset.</summary>
    public bool IsReady => !IsDead && !_heldInReset && _clock.Now >= _readyAt;

    /// <summary>Whether a failed reset left the function dead (all ones) until a bus reset.</summary>
    public bool IsDead { get; private set; }

    /// <summary>Current PMCSR power state (0 = D0 … 3 = D3hot); 0 without Power Management.</summary>
    public int PowerState => _pm < 0 ? 0 : (int)(_config.Read(_pm + PowerManagementCapability.ControlStatusOffset, 2) & PowerManagementCapability.PowerStateMask);

    /// <summary>The simulated host this function belongs to, if any (bus resets need it).</summary>
    internal SimHost? Host { get; set; }

    /// <summary>Whether the root port above has RRS Software Visibility on (a not-ready Vendor ID then reads 0x0001).</summary>
    internal Func<bool>? RrsVisible { get; set; }

    /// <summary>
    /// Reads <paramref name="size"/> (1, 2 or 4) naturally aligned bytes at <paramref name="offset"/>.
    /// A bad access, a dead function and a function in reset read all ones (a Vendor ID read
    /// during reset returns the RRS pattern when the root port makes it visible).
    /// </summary>
    public uint ReadConfig(int offset, int size)
    {
        if (!ValidConfigAccess(offset, size))
        {
            return Ones(size);
        }

        if (!IsReady)
        {
            bool rrs = offset == ConfigOffsets.VendorId && size >= 2 && !IsDead && RrsVisible?.Invoke() == true;
            return rrs ? (size == 4 ? 0xFFFF_0001u : 0x0001u) : Ones(size);
        }

        RefreshTransactionsPending();
        return _config.Read(offset, size);
    }

    /// <summary>
    /// Writes <paramref name="size"/> (1, 2 or 4) naturally aligned bytes through the register rules
    /// and carries out what the write set in motion; returns those effects. Bad accesses and writes
    /// to a dead function or one in reset are dropped (<see cref="ConfigEffects.None"/>).
    /// </summary>
    public ConfigEffects WriteConfig(int offset, int size, uint value)
    {
        if (!ValidConfigAccess(offset, size) || !IsReady)
        {
            return ConfigEffects.None;
        }

        ConfigEffects effects = _config.Write(offset, size, value);
        if (effects != ConfigEffects.None)
        {
            Apply(effects);
        }

        return effects;
    }

    /// <summary>
    /// Reads <paramref name="size"/> (1, 2, 4 or 8; I/O BARs 1, 2 or 4) naturally aligned bytes at
    /// <paramref name="offset"/> in BAR <paramref name="bar"/>. MSI-X table and PBA take aligned
    /// DWORD or QWORD accesses only; the control block aligned DWORDs only. Bad accesses, a function
    /// not in D0, dead or in reset read all ones.
    /// </summary>
    public ulong ReadBar(int bar, ulong offset, int size)
    {
        ulong ones = size is > 0 and < 8 ? (1UL << (size * 8)) - 1 : ulong.MaxValue;
        if (!ValidBarAccess(bar, offset, size) || !IsReady || _powerState != 0)
        {
            return ones;
        }

        BarStorage storage = _bars[bar]!;
        if (_control is { } control && control.Contains(bar, offset, size))
        {
            return size == 4 && (offset & 3) == 0 ? ReadControl((int)(offset - control.Offset)) : ones;
        }

        if (InMsixTable(bar, offset, size))
        {
            return MsixSized(size) ? storage.Read(offset, size) : ones;
        }

        if (InMsixPba(bar, offset, size))
        {
            return MsixSized(size) ? ReadPba(offset - _msixPbaOffset, size) : ones;
        }

        return storage.Read(offset, size);
    }

    /// <summary>
    /// Maps a page-aligned part of BAR <paramref name="bar"/>'s memory: what is written through the
    /// mapping is what the device reads, with no trap — so only parts without registers the model
    /// acts on (MSI-X structures, its control block) may be handed out; the caller decides which.
    /// </summary>
    /// <exception cref="HostDeviceException">EINVAL: no such BAR, an I/O BAR, or a range outside it.</exception>
    public IMappedArea MapBar(int bar, ulong offset, ulong size) =>
        (uint)bar < (uint)_bars.Length && _bars[bar] is { } storage && _barKinds[bar] != BarKind.Io
            ? storage.Map(offset, size)
            : throw new HostDeviceException(Errno.EINVAL, $"{Address}: BAR{bar} has no memory to map");

    /// <summary>A new descriptor for BAR <paramref name="bar"/>'s shared memory (file offset = BAR offset).</summary>
    /// <exception cref="HostDeviceException">EINVAL: the BAR has no memory.</exception>
    public FileDescriptorHandle OpenBarDescriptor(int bar) =>
        (uint)bar < (uint)_bars.Length && _bars[bar] is { } storage && _barKinds[bar] != BarKind.Io
            ? storage.OpenDescriptor()
            : throw new HostDeviceException(Errno.EINVAL, $"{Address}: BAR{bar} has no memory to map");

    /// <summary>Writes to BAR <paramref name="bar"/> under the rules of <see cref="ReadBar"/>; bad accesses are dropped, the PBA ignores writes.</summary>
    public void WriteBar(int bar, ulong offset, int size, ulong value)
    {
        if (!ValidBarAccess(bar, offset, size) || !IsReady || _powerState != 0)
        {
            return;
        }

        BarStorage storage = _bars[bar]!;
        if (_control is { } control && control.Contains(bar, offset, size))
        {
            if (size == 4 && (offset & 3) == 0)
            {
                WriteControl((int)(offset - control.Offset), (uint)value);
            }

            return;
        }

        if (InMsixTable(bar, offset, size))
        {
            if (MsixSized(size))
            {
                WriteMsixTable(offset, size, value);
            }

            return;
        }

        if (InMsixPba(bar, offset, size))
        {
            return;
        }

        storage.Write(offset, size, value);
    }

    private static uint Ones(int size) => size is > 0 and < 4 ? (1u << (size * 8)) - 1 : AllOnes;

    private static bool MsixSized(int size) => size is 4 or 8;

    private bool ValidConfigAccess(int offset, int size) =>
        size is 1 or 2 or 4 && offset >= 0 && (offset & (size - 1)) == 0 && offset + size <= _config.Size;

    private bool ValidBarAccess(int bar, ulong offset, int size)
    {
        if ((uint)bar >= 6 || _bars[bar] is not { } storage || size is not (1 or 2 or 4 or 8))
        {
            return false;
        }

        if (size == 8 && _barKinds[bar] == BarKind.Io)
        {
            return false;
        }

        return (offset & (ulong)(size - 1)) == 0 && offset < storage.Length && (ulong)size <= storage.Length - offset;
    }

    private uint ReadControl(int register) => register switch
    {
        SimControlBlock.Scratch => (uint)_bars[_control!.Bar]!.Read(_control.Offset + SimControlBlock.Scratch, 4),
        SimControlBlock.InterruptsRequested => (uint)InterruptsRequested,
        SimControlBlock.InterruptsSent => (uint)InterruptsSent,
        SimControlBlock.ResetsPerformed => (uint)ResetsPerformed,
        _ => 0,
    };

    private void WriteControl(int register, uint value)
    {
        switch (register)
        {
            case SimControlBlock.Doorbell:
                RaiseInterrupt((int)Math.Min(value, int.MaxValue));
                break;
            case SimControlBlock.Scratch:
                _bars[_control!.Bar]!.Write(_control.Offset + SimControlBlock.Scratch, 4, value);
                break;
            case SimControlBlock.IntxAcknowledge:
                DeassertIntx();
                break;
            default:
                break;
        }
    }

    private void Apply(ConfigEffects effects)
    {
        if ((effects & ConfigEffects.FunctionLevelReset) != 0 || (effects & ConfigEffects.AdvancedFeaturesReset) != 0)
        {
            FunctionReset(functionLevel: true, ResetTimings.FlrWait);
            return;
        }

        if ((effects & ConfigEffects.PowerState) != 0)
        {
            PowerStateChanged();
        }

        if ((effects & ConfigEffects.SecondaryBusReset) != 0)
        {
            bool asserted = (_config.Read(ConfigOffsets.BridgeControl, 2) & ConfigOffsets.BridgeControlSecondaryBusReset) != 0;
            Host?.SecondaryBusResetChanged(this, asserted);
        }

        if ((effects & ConfigEffects.InterruptRouting) != 0)
        {
            DeliverPending();
        }
    }
}
