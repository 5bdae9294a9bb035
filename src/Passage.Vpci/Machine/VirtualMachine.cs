using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Machine;

/// <summary>
/// A guest's address space (vpci.md §1): RAM at 0, the ECAM window at 0xE000_0000, the CF8/CFC
/// ports, the LAPIC's interrupt range at 0xFEE0_0000, the BAR windows functions place on the same
/// memory bus, and the interrupt sink their MSI and MSI-X messages reach. Functions sit in slots 1–31
/// of bus 0 (<c>0000:00:dd.0</c>).
/// </summary>
/// <remarks>
/// Locking (vpci.md §9): one reader/writer VM lock guards the function table and the memory bus.
/// Config reads, memory and MMIO accesses take it shared; config writes (ECAM writes, CFC–CFF
/// OUTs), attach, detach and clock steps take it exclusive, because a function moves its BAR
/// windows during a config write. Interrupt delivery takes no lock. Memory, config and delivery
/// paths do not allocate. The one CONFIG_ADDRESS register (port 0xCF8) is shared by every caller,
/// as a chipset's is.
/// </remarks>
public sealed class VirtualMachine : IGuestMemory, IGuestInterruptSink, IDisposable
{
    /// <summary>
    /// Raised with the slot when a function the machine built forwards a PCIe error into its
    /// virtual AER (vpci.md §4.2), on the thread that reported it.
    /// </summary>
    public event Action<int, VirtualFunction>? ErrorReported;

    /// <summary>Guest-physical base of the ECAM window.</summary>
    public const ulong EcamBase = 0xE000_0000;

    /// <summary>Buses the ECAM window decodes (only bus 0 has functions).</summary>
    public const int EcamBuses = 256;

    /// <summary>Slots on bus 0; slot 0 stays empty.</summary>
    public const int Slots = FunctionTable.Slots;

    /// <summary>Largest RAM the machine takes: 2 GiB − 4 KiB (one memfd mapping).</summary>
    public const ulong MaxRamSize = 0x7FFF_F000;

    private const ulong RamGranule = 0x1000;
    private const long NanosecondsPerTick = 100;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly FunctionTable _table = new();
    private readonly bool[] _owned = new bool[Slots];
    private readonly int[] _intxLevel = new int[Slots];
    private readonly long[] _intxAssertions = new long[Slots];
    private readonly long[] _errors = new long[Slots];
    private readonly EcamWindow _ecam;
    private readonly ConfigPorts _ports;
    private long _droppedMessages;
    private long _ramMessages;
    private ulong _subTickNanoseconds;
    private int _disposed;

    /// <summary>Builds the machine: RAM, ECAM, CF8/CFC, LAPIC, and a running interrupt router.</summary>
    /// <param name="options">Null = <see cref="VirtualMachineOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The RAM size is zero, not a multiple of 4 KiB, or beyond <see cref="MaxRamSize"/>.</exception>
    /// <exception cref="HostDeviceException">The kernel refused the RAM.</exception>
    public VirtualMachine(VirtualMachineOptions? options = null)
    {
        options ??= VirtualMachineOptions.Default;
        if (options.RamSize == 0 || options.RamSize % RamGranule != 0 || options.RamSize > MaxRamSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RamSize, $"RAM size must be a positive multiple of 4 KiB up to 0x{MaxRamSize:x} bytes");
        }

        Clock = options.Clock ?? new VirtualClock();
        Memory = new AddressBus();
        Lapic = new Lapic();
        _ecam = new EcamWindow(_table, EcamBuses);
        _ports = new ConfigPorts(_table);
        Ram = new GuestRam(options.RamSize);
        try
        {
            // Fixed claims: none can fail on an empty bus, and afterwards no BAR can cover them.
            Memory.Insert(0, Ram.Length, Ram);
            Memory.Insert(EcamBase, _ecam.Length, _ecam);
            Memory.Insert(Lapic.Base, Lapic.Length, Lapic);
            Router = new InterruptRouter(this);
        }
        catch
        {
            Ram.Dispose();
            throw;
        }
    }

    /// <summary>The memory bus: RAM, ECAM, LAPIC and the functions' BAR windows.</summary>
    public AddressBus Memory { get; }

    /// <summary>Guest RAM, at guest-physical 0.</summary>
    public GuestRam Ram { get; }

    /// <summary>The LAPIC model that counts interrupt messages.</summary>
    public Lapic Lapic { get; }

    /// <summary>The router carrying device eventfds to this machine's <see cref="Deliver"/>.</summary>
    public InterruptRouter Router { get; }

    /// <summary>The clock <see cref="AdvanceNanoseconds"/> moves.</summary>
    public VirtualClock Clock { get; }

    /// <summary>Bytes of the ECAM window.</summary>
    public ulong EcamLength => _ecam.Length;

    /// <summary>Messages written to RAM.</summary>
    public long RamMessages => Interlocked.Read(ref _ramMessages);

    /// <summary>Messages aimed neither at RAM nor at the LAPIC, dropped.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>Guest time in nanoseconds: the clock plus what <see cref="AdvanceNanoseconds"/> kept below its 100 ns resolution.</summary>
    public ulong NowNanoseconds => ((ulong)Clock.Now.Ticks * NanosecondsPerTick) + Volatile.Read(ref _subTickNanoseconds);

    /// <summary>The attached functions by slot (a snapshot).</summary>
    public IReadOnlyDictionary<int, IPciDevice> Functions
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                var functions = new SortedDictionary<int, IPciDevice>();
                for (int slot = 0; slot < Slots; slot++)
                {
                    if (_table[slot] is { } device)
                    {
                        functions.Add(slot, device);
                    }
                }

                return functions;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>The guest address of <paramref name="slot"/>: <c>0000:00:dd.0</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The slot is not 0–31.</exception>
    public static PciAddress GuestAddress(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        return new PciAddress(0, 0, slot, 0);
    }

    /// <summary>The function in <paramref name="slot"/>, or null (also for slots outside 0–31).</summary>
    public IPciDevice? FunctionAt(int slot) => (uint)slot < Slots ? _table[slot] : null;

    /// <summary>The slot holding <paramref name="device"/>, or null when it is not attached.</summary>
    public int? SlotOf(IPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        int slot = _table.SlotOf(device);
        return slot < 0 ? null : slot;
    }

    /// <summary>Attaches <paramref name="device"/> at <paramref name="slot"/>, or the first free slot from 1; returns the slot. The caller keeps owning the device.</summary>
    /// <exception cref="AttachException">The slot is taken or not 1–31, every slot is in use, or the device is already attached.</exception>
    /// <exception cref="ObjectDisposedException">The machine was disposed.</exception>
    public int Attach(IPciDevice device, int? slot = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        return AttachCore(device, slot, owned: false);
    }

    /// <summary>
    /// Builds a <see cref="VirtualFunction"/> over <paramref name="device"/> on this machine's memory
    /// bus and router and attaches it like <see cref="Attach"/>. The machine owns the virtual
    /// function (detaching or disposing disposes it); the host device stays the caller's.
    /// </summary>
    /// <exception cref="AttachException">As for <see cref="Attach"/>; nothing was built.</exception>
    /// <exception cref="HostDeviceException">The device cannot be given to a guest.</exception>
    public int AttachHost(IHostDevice device, int? slot = null, VirtualFunctionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (slot is { } requested)
        {
            CheckSlot(requested);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var function = new VirtualFunction(device, Memory, Router, options);
        try
        {
            int attached = AttachCore(function, slot, owned: true);
            function.ErrorReported += OnFunctionError;
            return attached;
        }
        catch
        {
            function.Dispose();
            throw;
        }
    }

    /// <summary>PCIe errors forwarded into the virtual AER of the function in <paramref name="slot"/> since it was attached.</summary>
    public long ErrorsReported(int slot) => Interlocked.Read(ref _errors[CheckedIndex(slot)]);

    /// <summary>Removes the function in <paramref name="slot"/> (disposing it when the machine built it); false when the slot is empty.</summary>
    public bool Detach(int slot)
    {
        if ((uint)slot >= Slots)
        {
            return false;
        }

        _lock.EnterWriteLock();
        try
        {
            return DetachLocked(slot);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Reads guest memory at <paramref name="address"/>; an access no range claims whole reads all ones. Returns whether a device served it.</summary>
    public bool ReadMemory(ulong address, Span<byte> data)
    {
        _lock.EnterReadLock();
        try
        {
            return Memory.Read(address, data);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Writes guest memory at <paramref name="address"/>; an access no range claims whole is dropped. Returns whether a device took it.</summary>
    public bool WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        // An ECAM write is a config write: the function may move its BARs on this bus.
        if (address - EcamBase < _ecam.Length)
        {
            _lock.EnterWriteLock();
            try
            {
                return Memory.Write(address, data);
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }

        _lock.EnterReadLock();
        try
        {
            return Memory.Write(address, data);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>An IN of <paramref name="size"/> (1, 2, 4) bytes; ports other than CF8–CFF read all ones.</summary>
    public uint In(ushort port, int size)
    {
        if (size is not (1 or 2 or 4))
        {
            return uint.MaxValue;
        }

        if (!ConfigPorts.Claims(port))
        {
            return FunctionTable.Ones(size);
        }

        _lock.EnterReadLock();
        try
        {
            return _ports.In(port, size);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>An OUT of <paramref name="size"/> (1, 2, 4) bytes; ports other than CF8–CFF drop it.</summary>
    public void Out(ushort port, int size, uint value)
    {
        if (size is not (1 or 2 or 4) || !ConfigPorts.Claims(port))
        {
            return;
        }

        if (port < ConfigPorts.DataPort)
        {
            _lock.EnterReadLock();
            try
            {
                _ports.Out(port, size, value);
            }
            finally
            {
                _lock.ExitReadLock();
            }

            return;
        }

        _lock.EnterWriteLock();
        try
        {
            _ports.Out(port, size, value);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Reads config space of 00:<paramref name="slot"/>.0 as the guest would; a bad slot, size (1, 2, 4), alignment or range reads all ones.</summary>
    public uint ReadConfig(int slot, int register, int size)
    {
        if (!ValidConfig(slot, register, size))
        {
            return size is 1 or 2 ? FunctionTable.Ones(size) : uint.MaxValue;
        }

        _lock.EnterReadLock();
        try
        {
            return _table.ReadConfig(0, slot, 0, register, size);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Writes config space of 00:<paramref name="slot"/>.0 as the guest would; a bad slot, size, alignment or range is dropped.</summary>
    public void WriteConfig(int slot, int register, int size, uint value)
    {
        if (!ValidConfig(slot, register, size))
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            _table.WriteConfig(0, slot, 0, register, size, value);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Delivers a message-signalled interrupt: into the LAPIC when aimed at 0xFEE0_0000–0xFEEF_FFFF,
    /// as a 4-byte little-endian write of the data when aimed inside RAM, else counted as dropped.
    /// Thread-safe, takes no lock, does not allocate.
    /// </summary>
    public void Deliver(MsiMessage message)
    {
        if (Lapic.Contains(message.Address))
        {
            Lapic.Receive(message);
        }
        else if (Ram.TryWriteUInt32(message.Address, message.Data))
        {
            Interlocked.Increment(ref _ramMessages);
        }
        else
        {
            Interlocked.Increment(ref _droppedMessages);
        }
    }

    /// <summary>Records <paramref name="function"/>'s virtual INTx line level; ignored when it is not attached.</summary>
    public void SetIntx(VirtualFunction function, bool asserted)
    {
        ArgumentNullException.ThrowIfNull(function);
        int slot = _table.SlotOf(function);
        if (slot < 0)
        {
            return;
        }

        int previous = Interlocked.Exchange(ref _intxLevel[slot], asserted ? 1 : 0);
        if (asserted && previous == 0)
        {
            Interlocked.Increment(ref _intxAssertions[slot]);
        }
    }

    /// <summary>Whether the INTx line of <paramref name="slot"/> is asserted.</summary>
    public bool IntxAsserted(int slot) => Volatile.Read(ref _intxLevel[CheckedIndex(slot)]) != 0;

    /// <summary>How often the INTx line of <paramref name="slot"/> went from deasserted to asserted.</summary>
    public long IntxAssertions(int slot) => Interlocked.Read(ref _intxAssertions[CheckedIndex(slot)]);

    /// <summary>The guest's end of interrupt for <paramref name="slot"/>'s INTx: the function unmasks it at the host.</summary>
    public void AcknowledgeIntx(int slot)
    {
        _lock.EnterReadLock();
        try
        {
            FunctionAt(slot)?.AcknowledgeIntx();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Returns once every interrupt signalled before the call has been delivered or latched (the router drained).</summary>
    public void Settle()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            Router.Drain();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: nothing more will arrive.
        }
    }

    /// <summary>Moves the clock forward by <paramref name="duration"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The duration is negative or the clock would overflow.</exception>
    public void Advance(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        _lock.EnterWriteLock();
        try
        {
            if (duration.Ticks > long.MaxValue - Clock.Now.Ticks)
            {
                throw new ArgumentOutOfRangeException(nameof(duration), duration, "the clock would overflow");
            }

            Clock.Advance(duration);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="nanoseconds"/> and returns the new guest time in
    /// nanoseconds; steps below the clock's 100 ns resolution accumulate rather than vanish.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The time would not fit in 64 bits of nanoseconds.</exception>
    public ulong AdvanceNanoseconds(ulong nanoseconds)
    {
        _lock.EnterWriteLock();
        try
        {
            ulong now = NowNanoseconds;
            if (nanoseconds > ulong.MaxValue - now)
            {
                throw new ArgumentOutOfRangeException(nameof(nanoseconds), nanoseconds, "the clock would overflow 64 bits of nanoseconds");
            }

            ulong target = now + nanoseconds;
            long targetTicks = (long)(target / NanosecondsPerTick);
            Clock.Advance(TimeSpan.FromTicks(targetTicks - Clock.Now.Ticks));
            Volatile.Write(ref _subTickNanoseconds, target % NanosecondsPerTick);
            return target;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Detaches every function (disposing those the machine built), stops the router and frees RAM. Host devices stay open.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            for (int slot = 0; slot < Slots; slot++)
            {
                DetachLocked(slot);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        // The functions released their router slots above; nothing can signal after this.
        Router.Dispose();
        Ram.Dispose();
        // The VM lock is not disposed: a caller may still be waiting for it, and afterwards finds
        // an empty table and RAM that reads all ones.
    }

    private int AttachCore(IPciDevice device, int? slot, bool owned)
    {
        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            int existing = _table.SlotOf(device);
            if (existing >= 0)
            {
                throw new AttachException($"the function is already attached at guest {GuestAddress(existing)}");
            }

            int chosen = slot ?? FirstFree();
            CheckSlot(chosen);
            if (_table[chosen] is not null)
            {
                throw new AttachException($"guest slot {GuestAddress(chosen)} is taken");
            }

            _owned[chosen] = owned;
            Volatile.Write(ref _intxLevel[chosen], 0);
            Interlocked.Exchange(ref _intxAssertions[chosen], 0);
            Interlocked.Exchange(ref _errors[chosen], 0);
            _table.Set(chosen, device);
            return chosen;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private bool DetachLocked(int slot)
    {
        if (_table[slot] is not { } device)
        {
            return false;
        }

        _table.Set(slot, null);
        Volatile.Write(ref _intxLevel[slot], 0);
        if (_owned[slot])
        {
            _owned[slot] = false;
            var function = (VirtualFunction)device;
            function.ErrorReported -= OnFunctionError;
            function.Dispose();
        }

        return true;
    }

    private void OnFunctionError(VirtualFunction function)
    {
        int slot = _table.SlotOf(function);
        if (slot < 0)
        {
            return;
        }

        Interlocked.Increment(ref _errors[slot]);
        ErrorReported?.Invoke(slot, function);
    }

    private int FirstFree()
    {
        for (int slot = 1; slot < Slots; slot++)
        {
            if (_table[slot] is null)
            {
                return slot;
            }
        }

        throw new AttachException($"every guest slot ({GuestAddress(1)} to {GuestAddress(Slots - 1)}) is in use");
    }

    private static void CheckSlot(int slot)
    {
        if (slot is < 1 or >= Slots)
        {
            throw new AttachException($"guest slot {slot} is out of range: functions go in slots 1 to {Slots - 1} (slot 0 stays empty)");
        }
    }

    private static int CheckedIndex(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        return slot;
    }

    private static bool ValidConfig(int slot, int register, int size) =>
        (uint)slot < Slots && size is 1 or 2 or 4 && register >= 0 && register % size == 0 && register + size <= 4096;
}
