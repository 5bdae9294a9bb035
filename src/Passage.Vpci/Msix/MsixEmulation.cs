using System.Buffers;
using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Pci.Capabilities;
using Passage.Vpci.Bars;
using Passage.Vpci.Config;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Msix;

/// <summary>
/// The guest's MSI-X (vpci.md §7): the capability registers, the emulated table and PBA, and the
/// host vectors behind them. Address/data writes take effect at the next unmask, enable or
/// function-unmask; masking never touches the host (the vector stays wired, arrivals latch in the
/// emulated PBA and are delivered on unmask); host vectors are allocated lazily through SET_IRQS —
/// enable with zero vectors, then one vector per entry as it is unmasked (dynamic hosts), or the
/// highest unmasked index + 1 with reallocation and catch-up (NORESIZE hosts). Every member runs
/// under the function lock except <see cref="Arrive"/>: the router thread decides what a signal
/// becomes from a per-vector gate word, a sequence-locked message and the atomic pending bits,
/// so a slow config or MMIO access never holds up an interrupt. The gate opens only after the
/// message is latched, and an unmask opens it before it looks at the pending bit while an arrival
/// sets the bit before it looks at the gate again, so no interrupt falls between the two.
/// </summary>
public sealed class MsixEmulation : IInterruptTarget
{
    private const ulong PageSize = 4096;
    private const IrqSetFlags Eventfds = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;
    private const IrqSetFlags Disable = IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone;

    // Gate bits, one word per entry, written under the function lock with full fences.
    private const int GateProgrammed = 1; // wired at the host with a latched message: arrivals count
    private const int GateOpen = 2; // and effectively unmasked: arrivals are delivered, not latched

    // What a refused SET_IRQS call was for, in the log line.
    private const string WireVector = "wire a vector";
    private const string EnableVectors = "enable vectors";

    private readonly VirtualFunction _function;
    private readonly MsixLayout _layout;
    private readonly MsixTable _table;
    private readonly List<BarTrap> _traps = [];
    private readonly EventFd?[] _eventFds;
    private readonly RouterSlot?[] _slots;
    private readonly int[] _gates;
    private readonly bool[] _scratch;
    private readonly MessageLatch[] _latched;
    private bool _enabled;
    private bool _functionMask;
    private bool _hostEnabled;
    private int _hostAllocated;

    private MsixEmulation(VirtualFunction function, MsixLayout layout, bool dynamic)
    {
        _function = function;
        _layout = layout;
        Dynamic = dynamic;
        int n = layout.Vectors;
        _table = new MsixTable(n);
        _eventFds = new EventFd?[n];
        _slots = new RouterSlot?[n];
        _gates = new int[n];
        _scratch = new bool[n];
        _latched = new MessageLatch[n];
    }

    /// <summary>Table entries (N).</summary>
    public int Vectors => _layout.Vectors;

    /// <summary>Whether the guest's Enable bit is set.</summary>
    public bool Enabled => _enabled;

    /// <summary>Whether the guest's Function Mask bit is set.</summary>
    public bool FunctionMasked => _functionMask;

    /// <summary>Whether the host can add vectors while enabled (no NORESIZE).</summary>
    public bool Dynamic { get; }

    /// <summary>Whether the host's MSI-X index is enabled for this function.</summary>
    public bool HostEnabled => _hostEnabled;

    /// <summary>Host vectors allocated by the enabling call (NORESIZE hosts; 1 after a zero-vector enable).</summary>
    public int HostVectorsAllocated => _hostAllocated;

    /// <summary>BAR holding the table.</summary>
    public int TableBar => _layout.TableBar;

    /// <summary>Table offset within its BAR.</summary>
    public ulong TableOffset => _layout.TableOffset;

    /// <summary>BAR holding the PBA.</summary>
    public int PbaBar => _layout.PbaBar;

    /// <summary>PBA offset within its BAR, as the guest sees it (after any fixup).</summary>
    public ulong PbaOffset => _layout.PbaOffset;

    internal MsixTable Table => _table;

    /// <summary>Whether entry <paramref name="vector"/> is wired at the host with a latched message.</summary>
    public bool IsProgrammed(int vector) => (Volatile.Read(ref _gates[vector]) & GateProgrammed) != 0;


    /// <summary>Whether vector <paramref name="vector"/> is pending in the emulated PBA.</summary>
    public bool IsPending(int vector) => _table.IsPending(vector);

    /// <summary>Entry <paramref name="vector"/>'s guest mask bit.</summary>
    public bool IsMasked(int vector) => _table.IsMasked(vector);

    /// <summary>The message entry <paramref name="vector"/> delivers (latched when it was last programmed).</summary>
    public MsiMessage LatchedMessage(int vector) => _latched[vector].Read();

    /// <summary>Validates and registers the capability at <paramref name="offset"/>; null with a reason when it cannot be offered.</summary>
    internal static MsixEmulation? TryCreate(VirtualFunction function, int offset, RegisterGroup group, out string? reason)
    {
        MsixLayout? layout = MsixLayout.Validate(function.HostSnapshot, offset, function.Bars, out reason);
        if (layout is null)
        {
            function.Log($"MSI-X hidden: {reason}");
            return null;
        }

        IrqInfo info;
        try
        {
            info = function.Device.GetIrqInfo(VfioIrq.Msix);
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            reason = $"the host device's MSI-X index cannot be read ({e.Message})";
            return null;
        }

        if (info.Count == 0)
        {
            reason = "the host device offers no MSI-X vector";
            return null;
        }

        var msix = new MsixEmulation(function, layout, (info.Flags & IrqInfoFlags.NoResize) == 0);
        group.Add(new RegisterDescriptor
        {
            Offset = offset + MsixCapability.ControlOffset,
            Size = 2,
            Read = (_, _) => msix.ReadControl(),
            Write = (_, value, _) => msix.WriteControl(value),
            ReadOnly = MsixCapability.TableSizeMask,
            ReservedPreserve = 0x3800,
        });
        group.AddConstant(offset + MsixCapability.TableOffset, 4, layout.TableRegister);
        group.AddConstant(offset + MsixCapability.PbaOffset, 4, layout.PbaRegister);
        msix.BuildTraps();
        return msix;
    }

    /// <summary>The trapped pages of BAR <paramref name="bar"/>.</summary>
    internal IReadOnlyList<BarTrap> TrapsFor(int bar) => _traps.FindAll(t => t.Bar == bar);

    /// <summary>Whether <paramref name="offset"/> of BAR <paramref name="bar"/> is in the table.</summary>
    internal bool InTable(int bar, ulong offset) =>
        bar == _layout.TableBar && offset >= _layout.TableOffset && offset < _layout.TableOffset + _layout.TableBytes;

    /// <summary>Whether <paramref name="offset"/> of BAR <paramref name="bar"/> is in the PBA.</summary>
    internal bool InPba(int bar, ulong offset) =>
        bar == _layout.PbaBar && offset >= _layout.PbaOffset && offset < _layout.PbaOffset + _layout.PbaBytes;

    /// <summary>Whether [<paramref name="first"/>, <paramref name="last"/>] of BAR <paramref name="bar"/> holds any byte of the table or PBA.</summary>
    internal bool Spans(int bar, ulong first, ulong last) =>
        (bar == _layout.TableBar && first < _layout.TableOffset + _layout.TableBytes && _layout.TableOffset <= last)
        || (bar == _layout.PbaBar && first < _layout.PbaOffset + _layout.PbaBytes && _layout.PbaOffset <= last);

    /// <summary>A guest read of the table at BAR offset <paramref name="offset"/>; ones for accesses the table refuses.</summary>
    internal void ReadTable(ulong offset, Span<byte> data)
    {
        if (!_table.Read(offset - _layout.TableOffset, data))
        {
            data.Fill(0xFF);
            _function.Log($"MSI-X: refused {data.Length}-byte table read at +0x{offset - _layout.TableOffset:x}");
        }
    }

    /// <summary>A guest write of the table at BAR offset <paramref name="offset"/> (§7.4, §7.6).</summary>
    internal void WriteTable(ulong offset, ReadOnlySpan<byte> data)
    {
        MsixTableChange change = _table.Write(offset - _layout.TableOffset, data, out int entry);
        switch (change)
        {
            case MsixTableChange.Invalid:
                _function.Log($"MSI-X: dropped {data.Length}-byte table write at +0x{offset - _layout.TableOffset:x}");
                break;
            case MsixTableChange.Unmasked when _enabled && !_functionMask:
                Activate(entry);
                break;
            case MsixTableChange.Masked:
                // No host call: the vector stays wired and its arrivals latch from here on.
                RefreshGate(entry);
                break;
            default:
                // Address/data wait for the next unmask, enable or function-unmask.
                break;
        }
    }

    /// <summary>A guest read of the PBA (aligned 4/8 bytes): emulated pending bits OR the host's PBA.</summary>
    internal void ReadPba(ulong offset, Span<byte> data)
    {
        ulong at = offset - _layout.PbaOffset;
        if (data.Length is not (4 or 8) || at % (ulong)data.Length != 0)
        {
            data.Fill(0xFF);
            return;
        }

        ulong value = _table.ReadPba(at, data.Length);
        if (!_layout.PbaFixedUp && _function.Device.Read(_layout.PbaBar, offset, data) == Errno.None)
        {
            value |= data.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);
        }

        if (data.Length == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)value);
        }
    }

    /// <inheritdoc />
    /// <remarks>Runs on the router thread without the function lock (see the type's remarks).</remarks>
    public int Arrive(int vector, ulong count, out MsiMessage message)
    {
        message = default;
        if ((uint)vector >= (uint)_gates.Length)
        {
            return 0;
        }

        int gate = Volatile.Read(ref _gates[vector]);
        if ((gate & GateProgrammed) == 0)
        {
            return 0;
        }

        if ((gate & GateOpen) != 0)
        {
            message = _latched[vector].Read();
            return (int)Math.Min(count, int.MaxValue);
        }

        // Several arrivals while masked are one pending bit. An unmask that ran between the gate
        // read and the latch may have looked at the PBA too early: look at the gate again and,
        // if it opened, take the bit back (only one of us gets it) and deliver it here.
        _table.SetPending(vector);
        if ((Volatile.Read(ref _gates[vector]) & GateOpen) != 0 && _table.ClearPending(vector))
        {
            message = _latched[vector].Read();
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Disables MSI-X at the host and releases host vectors and eventfds; Programmed entries become
    /// Updated (so mask → disable → enable → unmask re-programs them) and pending bits clear. The
    /// guest's Enable and Function Mask bits are kept.
    /// </summary>
    internal void ReleaseHost()
    {
        // Gates first: nothing is delivered or latched from here on.
        for (int v = 0; v < _layout.Vectors; v++)
        {
            if ((Interlocked.Exchange(ref _gates[v], 0) & GateProgrammed) != 0)
            {
                _table.SetUpdated(v, true);
            }
        }

        if (_hostEnabled)
        {
            try
            {
                _function.Device.SetIrqs(VfioIrq.Msix, 0, 0, Disable, []);
            }
            catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
            {
                _function.Log($"MSI-X: the host refused to disable MSI-X ({e.Message})");
            }
        }

        _hostEnabled = false;
        _hostAllocated = 0;
        for (int v = 0; v < _layout.Vectors; v++)
        {
            if (_slots[v] is { } slot)
            {
                _function.Router.Detach(slot);
                _slots[v] = null;
            }

            _eventFds[v]?.Dispose();
            _eventFds[v] = null;
        }

        _table.ClearAllPending();
    }

    /// <summary>Back to reset state: host released, disabled, not function-masked, every entry masked, nothing pending.</summary>
    internal void ResetToInitial()
    {
        ReleaseHost();
        _enabled = false;
        _functionMask = false;
        _table.Reset();
    }

    // The 4 KiB pages holding any part of the table or PBA, merged per BAR and clipped to it.
    private void BuildTraps()
    {
        var ranges = new List<(int Bar, ulong Start, ulong End)>
        {
            (_layout.TableBar, _layout.TableOffset & ~(PageSize - 1), AlignUp(_layout.TableOffset + _layout.TableBytes)),
            (_layout.PbaBar, _layout.PbaOffset & ~(PageSize - 1), AlignUp(_layout.PbaOffset + _layout.PbaBytes)),
        };
        ranges.Sort((a, b) => a.Bar != b.Bar ? a.Bar.CompareTo(b.Bar) : a.Start.CompareTo(b.Start));
        for (int i = 0; i < ranges.Count; i++)
        {
            (int bar, ulong start, ulong end) = ranges[i];
            while (i + 1 < ranges.Count && ranges[i + 1].Bar == bar && ranges[i + 1].Start <= end)
            {
                end = Math.Max(end, ranges[++i].End);
            }

            end = Math.Min(end, _function.Bars[bar].Size);
            _traps.Add(new BarTrap(bar, start, end - start, new MsixPageTrap(_function, this, bar, start, end)));
        }
    }

    private static ulong AlignUp(ulong value) => (value + PageSize - 1) & ~(PageSize - 1);

    private uint ReadControl() =>
        (uint)(_layout.Vectors - 1) | (_enabled ? MsixCapability.Enable : 0u) | (_functionMask ? MsixCapability.FunctionMask : 0u);

    // §7.5: only bits 14 and 15 act.
    private void WriteControl(uint value)
    {
        bool enable = (value & MsixCapability.Enable) != 0;
        bool functionMask = (value & MsixCapability.FunctionMask) != 0;
        if (enable == _enabled && functionMask == _functionMask)
        {
            return;
        }

        bool wasActive = _enabled && !_functionMask;
        if (!enable)
        {
            bool wasEnabled = _enabled;
            _enabled = false;
            _functionMask = functionMask;
            if (wasEnabled)
            {
                bool hadHost = _function.Interrupts.ActiveIndex == VfioIrq.Msix;
                ReleaseHost();

                // INTx comes back when the guest now uses it, also when MSI had taken the host
                // index from MSI-X and was disabled first.
                if (hadHost)
                {
                    _function.Interrupts.Released(VfioIrq.Msix);
                }
                else
                {
                    _function.Interrupts.Start();
                }
            }

            return;
        }

        bool enabling = !_enabled;
        _enabled = true;
        _functionMask = functionMask;
        if (enabling)
        {
            _function.Interrupts.Claim(VfioIrq.Msix);
            EnableHost();
        }

        // A function mask closes every gate; an unmask reopens the programmed, unmasked entries.
        for (int v = 0; v < _layout.Vectors; v++)
        {
            RefreshGate(v);
        }

        if (!_functionMask && !wasActive)
        {
            GrowForUnmaskedEntries();
            for (int v = 0; v < _layout.Vectors; v++)
            {
                if (!_table.IsMasked(v))
                {
                    Activate(v);
                }
            }
        }
    }

    // An entry became effectively unmasked: program it if needed, open its gate, then release
    // its pending bit (after the gate is open, so a concurrent arrival cannot fall between).
    private void Activate(int vector)
    {
        if ((_table.IsUpdated(vector) || !IsProgrammed(vector)) && !Program(vector))
        {
            return;
        }

        RefreshGate(vector);
        if (_table.ClearPending(vector))
        {
            _function.Deliveries.Add(_latched[vector].Read());
        }
    }

    // The entry's gate from its state: programmed, and open while effectively unmasked.
    private void RefreshGate(int vector)
    {
        int gate = Volatile.Read(ref _gates[vector]) & GateProgrammed;
        if (gate != 0 && _enabled && !_functionMask && !_table.IsMasked(vector))
        {
            gate |= GateOpen;
        }

        Interlocked.Exchange(ref _gates[vector], gate);
    }

    // Enables the host index: with zero vectors ([−1] at 0) unless a NORESIZE host must get every
    // unmasked entry now (count = highest unmasked index + 1). False when the host refused.
    private bool EnableHost()
    {
        if (_hostEnabled)
        {
            return true;
        }

        int active = _function.Interrupts.ActiveIndex;
        if (active != VfioIrq.Msix)
        {
            // Another index was enabled more recently: routing follows it (§7.11).
            return false;
        }

        int highest = -1;
        if (!Dynamic && !_functionMask)
        {
            for (int v = 0; v < _layout.Vectors; v++)
            {
                if (!_table.IsMasked(v))
                {
                    highest = v;
                }
            }
        }

        if (highest >= 0 && EnableWith(highest + 1, v => !_table.IsMasked(v), catchUp: false))
        {
            return true;
        }

        // Linux enables with every entry masked: the function must still be in MSI-X mode.
        Span<byte> none = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(none, -1);
        if (!Call(0, 1, none, "enable with zero vectors", out _))
        {
            return false;
        }

        _hostEnabled = true;
        _hostAllocated = 1;
        return true;
    }

    // Programming (§7.7): latch the message, then make sure a host vector carries the entry's eventfd.
    private bool Program(int vector)
    {
        if (!EnableHost())
        {
            _table.SetUpdated(vector, true);
            return false;
        }

        MsiMessage previous = _latched[vector].Read();
        _latched[vector].Write(new MsiMessage(_table.Address(vector), _table.Data(vector)));
        _table.SetUpdated(vector, false);
        if (IsProgrammed(vector))
        {
            // Wired already (Programmed entries always are): only the message changed.
            return true;
        }

        bool wired;
        if (Dynamic || vector < _hostAllocated)
        {
            // Programmed (gate still closed) before the host call: whatever the vector signals
            // from the moment it is wired latches as pending until the caller opens the gate.
            Interlocked.Exchange(ref _gates[vector], GateProgrammed);
            Span<byte> fd = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(fd, EventFdFor(vector).Fd);
            wired = Call((uint)vector, 1, fd, WireVector, out int available);
            if (!wired && available > 0)
            {
                _function.Log($"MsixVectorUnavailable({vector}, {available})");
            }
        }
        else
        {
            wired = Reallocate(vector + 1, v => IsProgrammed(v) || v == vector);
        }

        if (!wired)
        {
            Interlocked.Exchange(ref _gates[vector], 0);
            _latched[vector].Write(previous);
            _table.SetUpdated(vector, true);
            return false;
        }

        return true;
    }

    // Entering "enabled and not function-masked" on a NORESIZE host with unmasked entries beyond
    // the host's vectors — Linux's bring-up: enable with the function masked, program and unmask
    // every entry, then clear the function mask — grows once to the highest unmasked index + 1,
    // as an enable with those entries unmasked would. Growing entry by entry instead would
    // reallocate N − 1 times, each with a catch-up interrupt to every entry programmed before.
    private void GrowForUnmaskedEntries()
    {
        if (Dynamic || !_hostEnabled)
        {
            return;
        }

        int highest = -1;
        for (int v = 0; v < _layout.Vectors; v++)
        {
            if (!_table.IsMasked(v))
            {
                highest = v;
            }
        }

        if (highest >= _hostAllocated)
        {
            Reallocate(highest + 1, v => IsProgrammed(v) || !_table.IsMasked(v));
        }
    }

    // NORESIZE growth: disable the index, re-enable with `count` vectors and the eventfds of every
    // Programmed entry and those `wire` adds, then deliver one interrupt to each entry that was
    // Programmed and is effectively unmasked, and latch one as pending for each that is masked —
    // arrivals while the index was off are lost, and a spurious MSI is harmless where a lost one
    // hangs a driver.
    private bool Reallocate(int count, Func<int, bool> wire)
    {
        int previous = _hostAllocated;
        Call(0, 0, [], "disable for reallocation", out _, Disable);
        _hostEnabled = false;
        if (EnableWith(count, wire, catchUp: true))
        {
            return true;
        }

        // Back to what was there, so the entries that worked keep working.
        if (!EnableWith(previous, IsProgrammed, catchUp: true))
        {
            _function.Log("MSI-X: the host vectors could not be restored after a failed reallocation");
            for (int v = 0; v < _layout.Vectors; v++)
            {
                if ((Interlocked.Exchange(ref _gates[v], 0) & GateProgrammed) != 0)
                {
                    _table.SetUpdated(v, true);
                }
            }
        }

        return false;
    }

    // One enabling call for `count` vectors, eventfds where `wire` says, −1 elsewhere. Entries it
    // programs are marked Programmed (gate closed) before the call, so that what they signal from
    // the moment they are wired latches instead of vanishing; a failed call takes that back.
    private bool EnableWith(int count, Func<int, bool> wire, bool catchUp)
    {
        bool[] programs = _scratch;
        byte[] fds = ArrayPool<byte>.Shared.Rent(4 * count);
        try
        {
            for (int v = 0; v < count; v++)
            {
                bool wired = wire(v);
                programs[v] = wired && !IsProgrammed(v);
                if (programs[v])
                {
                    _latched[v].Write(new MsiMessage(_table.Address(v), _table.Data(v)));
                    Interlocked.Exchange(ref _gates[v], GateProgrammed);
                }

                BinaryPrimitives.WriteInt32LittleEndian(fds.AsSpan(4 * v), wired ? EventFdFor(v).Fd : -1);
            }

            if (!Call(0, (uint)count, fds.AsSpan(0, 4 * count), EnableVectors, out int available))
            {
                if (available > 0)
                {
                    _function.Log($"MsixVectorUnavailable({count - 1}, {available})");
                }

                for (int v = 0; v < count; v++)
                {
                    if (programs[v])
                    {
                        Interlocked.Exchange(ref _gates[v], 0);
                    }
                }

                return false;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(fds);
        }

        _hostEnabled = true;
        _hostAllocated = count;
        for (int v = 0; v < count; v++)
        {
            if (!wire(v))
            {
                continue;
            }

            if (programs[v])
            {
                _table.SetUpdated(v, false);
            }
            else if (catchUp && _enabled && !_functionMask && !_table.IsMasked(v))
            {
                _function.Deliveries.Add(_latched[v].Read());
            }
            else if (catchUp)
            {
                // Masked: what it lost in the gap would have been latched, so latch one.
                _table.SetPending(v);
            }
        }

        return true;
    }

    private EventFd EventFdFor(int vector)
    {
        if (_eventFds[vector] is { } existing)
        {
            return existing;
        }

        // Created on first use and kept until the index is disabled (§7.7).
        EventFd eventFd = EventFd.Create();
        _eventFds[vector] = eventFd;
        _slots[vector] = _function.Router.Attach(eventFd, this, vector);
        return eventFd;
    }

    // One SET_IRQS call; false when the host refused (logged) or had fewer vectors (available > 0).
    private bool Call(uint start, uint count, ReadOnlySpan<byte> fds, string what, out int available, IrqSetFlags flags = Eventfds)
    {
        available = 0;
        try
        {
            available = _function.Device.SetIrqs(VfioIrq.Msix, start, count, flags, fds);
            return available == 0;
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            _function.Log($"MSI-X: the host refused to {what} (start {start}, count {count}): {e.Message}");
            return false;
        }
    }
}
