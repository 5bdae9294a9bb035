using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Policy;

/// <summary>
/// <c>VFIO_DEVICE_SET_IRQS</c> for a device not behind the kernel's vfio-pci (host-device.md §4):
/// INTx with auto-masking, mask/unmask and an unmask eventfd; MSI and MSI-X enable, per-vector
/// rewiring, dynamic MSI-X growth and disable; ERR and REQ; loopback triggers. Interrupts cross
/// as real eventfds. No interrupt is lost while vectors are rewired or added: a vector being
/// swapped signals the old eventfd or the new one, and one with no eventfd is masked at the host
/// (the device latches it as pending) or latched here, then delivered once one is wired.
/// </summary>
public sealed class IrqController : IDisposable
{
    private const int None = -1;

    private readonly IInterruptHardware _hardware;
    private readonly Lock _setLock;
    private readonly Lock _intxLock;
    private readonly InterruptSlot _intx = new();
    private readonly InterruptSlot[] _msi;
    private readonly InterruptSlot[] _msix;
    private readonly InterruptSlot _err = new();
    private readonly InterruptSlot _req = new();
    private int _active = None;
    private bool _intxMasked;
    private bool _intxPending;
    private EventFd? _unmaskFd;
    private CancellationTokenSource? _unmaskWatch;
    private bool _disposed;

    /// <summary>Creates the engine for a device.</summary>
    /// <param name="hardware">The device below.</param>
    /// <param name="deviceLock">
    /// The device's own lock, when the device calls back into the engine while holding it (its
    /// interrupt output) and the engine calls the device: one re-entrant lock keeps the order.
    /// </param>
    public IrqController(IInterruptHardware hardware, Lock? deviceLock = null)
    {
        _hardware = hardware;
        _setLock = deviceLock ?? new Lock();
        _intxLock = deviceLock ?? new Lock();
        _msi = NewSlots(hardware.MsiVectors);
        _msix = NewSlots(hardware.MsixVectors);
    }

    /// <summary>The active index (<see cref="VfioIrq.Intx"/>, <see cref="VfioIrq.Msi"/>, <see cref="VfioIrq.Msix"/>) or −1.</summary>
    public int ActiveIndex => Volatile.Read(ref _active);

    /// <summary>Information about IRQ index <paramref name="index"/>, as VFIO reports it.</summary>
    /// <exception cref="HostDeviceException">EINVAL for an index beyond REQ.</exception>
    public IrqInfo GetIrqInfo(int index) => index switch
    {
        VfioIrq.Intx => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.Maskable | IrqInfoFlags.Automasked, _hardware.HasIntx ? 1u : 0u),
        VfioIrq.Msi => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, (uint)_hardware.MsiVectors),
        VfioIrq.Msix => new IrqInfo(index, IrqInfoFlags.Eventfd | (_hardware.MsixDynamic ? 0 : IrqInfoFlags.NoResize), (uint)_hardware.MsixVectors),
        VfioIrq.Err => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, _hardware.IsPcie ? 1u : 0u),
        VfioIrq.Req => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 1u),
        _ => throw new HostDeviceException(Errno.EINVAL, $"IRQ index {index} does not exist"),
    };

    /// <summary>SET_IRQS; see <see cref="IHostDevice.SetIrqs"/>.</summary>
    /// <exception cref="HostDeviceException">The request is invalid (EINVAL), unsupported (ENOTTY) or names a bad eventfd (EBADF/EINVAL).</exception>
    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        uint max = index is >= 0 and < VfioIrq.PciCount ? GetIrqInfo(index).Count : 0;
        Errno invalid = IrqSetValidator.Validate(index, start, count, flags, data.Length, max, VfioIrq.PciCount);
        if (invalid != Errno.None)
        {
            throw new HostDeviceException(invalid, $"SET_IRQS index {index} start {start} count {count} flags 0x{(uint)flags:x} rejected");
        }

        IrqSetFlags action = flags & IrqSetFlags.ActionMaskAll;
        lock (_setLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return (index, action) switch
            {
                (VfioIrq.Intx, IrqSetFlags.ActionTrigger) => IntxTrigger(count, flags, data),
                (VfioIrq.Intx, IrqSetFlags.ActionMask) => IntxMask(flags, data),
                (VfioIrq.Intx, IrqSetFlags.ActionUnmask) => IntxUnmask(flags, data),
                (VfioIrq.Msi or VfioIrq.Msix, IrqSetFlags.ActionTrigger) => VectorsTrigger(index, (int)start, (int)count, flags, data),
                (VfioIrq.Err, IrqSetFlags.ActionTrigger) => SingleTrigger(_err, count, flags, data),
                (VfioIrq.Req, IrqSetFlags.ActionTrigger) => SingleTrigger(_req, count, flags, data),
                _ => throw new HostDeviceException(Errno.ENOTTY, $"SET_IRQS action 0x{(uint)action:x} is not supported on index {index}"),
            };
        }
    }

    /// <summary>The device sends MSI or MSI-X vector <paramref name="vector"/> (it was unmasked at the host); never allocates.</summary>
    public void Deliver(int index, int vector)
    {
        InterruptSlot[] slots = index == VfioIrq.Msix ? _msix : _msi;
        if ((uint)vector < (uint)slots.Length && index is VfioIrq.Msi or VfioIrq.Msix)
        {
            slots[vector].Fire();
        }
    }

    /// <summary>The device reports an error (AER) or asks to be released.</summary>
    public void Notify(int index)
    {
        if (index == VfioIrq.Err)
        {
            _err.Fire();
        }
        else if (index == VfioIrq.Req)
        {
            _req.Fire();
        }
    }

    /// <summary>The device asserts its INTx line: auto-mask and signal, or remember it while masked.</summary>
    public void IntxAssert()
    {
        lock (_intxLock)
        {
            if (ActiveIndex != VfioIrq.Intx)
            {
                return;
            }

            _intxPending = true;
            if (!_intxMasked)
            {
                _intxMasked = true;
                _hardware.SetIntxMasked(true);
                _intx.Fire();
            }
        }
    }

    /// <summary>Whether vector <paramref name="vector"/> of <paramref name="index"/> has an eventfd wired.</summary>
    public bool IsWired(int index, int vector) => index switch
    {
        VfioIrq.Intx => _intx.Wired,
        VfioIrq.Msi when (uint)vector < (uint)_msi.Length => _msi[vector].Wired,
        VfioIrq.Msix when (uint)vector < (uint)_msix.Length => _msix[vector].Wired,
        VfioIrq.Err => _err.Wired,
        VfioIrq.Req => _req.Wired,
        _ => false,
    };

    /// <summary>Number of MSI-X vectors currently allocated.</summary>
    public int MsixAllocated => _msix.Count(s => s.Allocated);

    /// <summary>Whether INTx is masked (by the user or by auto-masking).</summary>
    public bool IntxMasked
    {
        get
        {
            lock (_intxLock)
            {
                return _intxMasked;
            }
        }
    }

    /// <summary>Disables the active index and releases ERR and REQ: nothing of the previous owner stays bound.</summary>
    public void DisableAll()
    {
        lock (_setLock)
        {
            DisableAllLocked();
        }
    }

    /// <summary>Disables everything and closes every eventfd this engine holds.</summary>
    public void Dispose()
    {
        lock (_setLock)
        {
            if (_disposed)
            {
                return;
            }

            DisableAllLocked();
            _disposed = true;
        }
    }

    private void DisableAllLocked()
    {
        DisableActive();
        _err.Clear()?.Dispose();
        _req.Clear()?.Dispose();
    }

    private static InterruptSlot[] NewSlots(int count)
    {
        var slots = new InterruptSlot[Math.Max(count, 0)];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = new InterruptSlot();
        }

        return slots;
    }

    private static int Fd(ReadOnlySpan<byte> data, int i) => BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);

    private static bool Has(IrqSetFlags flags, IrqSetFlags bit) => (flags & bit) != 0;

    private int IntxTrigger(uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        if (_active == VfioIrq.Intx && count == 0 && Has(flags, IrqSetFlags.DataNone))
        {
            DisableActive();
            return 0;
        }

        if (!(_active == VfioIrq.Intx || _active == None) || count != 1)
        {
            throw new HostDeviceException(Errno.EINVAL, "INTx trigger needs start 0, count 1, and no other index active");
        }

        if (Has(flags, IrqSetFlags.DataEventfd))
        {
            int fd = Fd(data, 0);
            EventFd? trigger = fd >= 0 ? EventFd.FromDuplicate(fd) : null;
            lock (_intxLock)
            {
                if (_active == None)
                {
                    _intx.Allocated = true;
                    _intxMasked = false;
                    _intxPending = false;
                    Volatile.Write(ref _active, VfioIrq.Intx);
                    _hardware.SetIntxMasked(false);
                }

                _intx.Swap(trigger)?.Dispose();
            }

            return 0;
        }

        if (_active != VfioIrq.Intx)
        {
            throw new HostDeviceException(Errno.EINVAL, "INTx loopback needs INTx enabled");
        }

        if (Has(flags, IrqSetFlags.DataNone) || data[0] != 0)
        {
            _intx.Loopback();
        }

        return 0;
    }

    private int IntxMask(IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        RequireIntx();
        if (Has(flags, IrqSetFlags.DataEventfd))
        {
            throw new HostDeviceException(Errno.ENOTTY, "INTx mask does not take an eventfd");
        }

        if (Has(flags, IrqSetFlags.DataNone) || data[0] != 0)
        {
            lock (_intxLock)
            {
                _intxMasked = true;
                _hardware.SetIntxMasked(true);
            }
        }

        return 0;
    }

    private int IntxUnmask(IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        RequireIntx();
        if (Has(flags, IrqSetFlags.DataEventfd))
        {
            int fd = Fd(data, 0);
            StopUnmaskWatch();
            if (fd >= 0)
            {
                _unmaskFd = EventFd.FromDuplicate(fd);
                _unmaskWatch = new CancellationTokenSource();
                _ = WatchUnmaskAsync(_unmaskFd, _unmaskWatch.Token);
            }

            return 0;
        }

        if (Has(flags, IrqSetFlags.DataNone) || data[0] != 0)
        {
            Unmask();
        }

        return 0;
    }

    // Unmasking re-signals when the line is still asserted, as vfio-pci does.
    private void Unmask()
    {
        lock (_intxLock)
        {
            if (ActiveIndex != VfioIrq.Intx || !_intxMasked)
            {
                return;
            }

            _intxPending = _intxPending && _hardware.IntxAsserted;
            if (_intxPending)
            {
                _intx.Fire(); // still asserted: signal again and stay masked
                return;
            }

            _intxMasked = false;
            _hardware.SetIntxMasked(false);
        }
    }

    private async Task WatchUnmaskAsync(EventFd unmask, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                await unmask.ReadAsync(token).ConfigureAwait(false);
                Unmask();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void StopUnmaskWatch()
    {
        _unmaskWatch?.Cancel();
        _unmaskWatch?.Dispose();
        _unmaskWatch = null;
        _unmaskFd?.Dispose();
        _unmaskFd = null;
    }

    private void RequireIntx()
    {
        if (_active != VfioIrq.Intx)
        {
            throw new HostDeviceException(Errno.EINVAL, "INTx is not enabled");
        }
    }

    private int VectorsTrigger(int index, int start, int count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        InterruptSlot[] slots = index == VfioIrq.Msix ? _msix : _msi;
        if (_active == index && count == 0 && Has(flags, IrqSetFlags.DataNone))
        {
            DisableActive();
            return 0;
        }

        if (!(_active == index || _active == None))
        {
            throw new HostDeviceException(Errno.EINVAL, $"index {index} cannot be used while index {_active} is active");
        }

        if (Has(flags, IrqSetFlags.DataEventfd))
        {
            if (_active == index)
            {
                SetBlock(index, slots, start, count, data);
                return 0;
            }

            int wanted = start + count;
            int granted = _hardware.Enable(index, wanted);
            if (granted < wanted)
            {
                _hardware.Disable(index);
                return granted > 0
                    ? granted // fewer available: a positive count, nothing enabled
                    : throw new HostDeviceException(Errno.ENOSPC, $"no vectors available on index {index}");
            }

            for (int i = 0; i < slots.Length; i++)
            {
                slots[i].Clear()?.Dispose();
                slots[i].Allocated = i < wanted;
                _hardware.SetVectorMasked(index, i, true);
            }

            Volatile.Write(ref _active, index);
            try
            {
                SetBlock(index, slots, start, count, data);
            }
            catch
            {
                DisableActive();
                throw;
            }

            return 0;
        }

        if (_active != index)
        {
            throw new HostDeviceException(Errno.EINVAL, $"loopback on index {index}, which is not enabled");
        }

        for (int i = start; i < start + count; i++)
        {
            if (slots[i].Allocated && (Has(flags, IrqSetFlags.DataNone) || data[i - start] != 0))
            {
                slots[i].Loopback();
            }
        }

        return 0;
    }

    // A failure part-way unwires the vectors this call already set, as vfio-pci rolls back.
    private void SetBlock(int index, InterruptSlot[] slots, int start, int count, ReadOnlySpan<byte> data)
    {
        for (int v = start; v < start + count; v++)
        {
            try
            {
                SetVectorSignal(index, slots, v, Fd(data, v - start));
            }
            catch
            {
                for (int k = start; k < v; k++)
                {
                    SetVectorSignal(index, slots, k, -1);
                }

                throw;
            }
        }
    }

    private void SetVectorSignal(int index, InterruptSlot[] slots, int vector, int fd)
    {
        InterruptSlot slot = slots[vector];
        if (!slot.Allocated)
        {
            if (fd < 0)
            {
                return;
            }

            if (index != VfioIrq.Msix || !_hardware.MsixDynamic)
            {
                throw new HostDeviceException(Errno.EINVAL, $"vector {vector} is outside the range enabled on index {index}; disable and enable with a larger count");
            }

            slot.Allocated = true; // dynamic MSI-X: allocated at its table index on demand
        }

        EventFd? trigger;
        try
        {
            trigger = fd >= 0 ? EventFd.FromDuplicate(fd) : null;
        }
        catch
        {
            // As the kernel: the old trigger is already gone when the new one fails.
            slot.Swap(null)?.Dispose();
            _hardware.SetVectorMasked(index, vector, true);
            throw;
        }

        if (trigger is null)
        {
            // Unwired: masked at the host so the device keeps it pending instead of losing it.
            _hardware.SetVectorMasked(index, vector, true);
            slot.Swap(null)?.Dispose();
            return;
        }

        slot.Swap(trigger)?.Dispose();
        _hardware.SetVectorMasked(index, vector, false);
    }

    private static int SingleTrigger(InterruptSlot slot, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        if (Has(flags, IrqSetFlags.DataNone))
        {
            if (!slot.Wired)
            {
                throw new HostDeviceException(Errno.EINVAL, "nothing installed to signal or release");
            }

            if (count > 0)
            {
                slot.Loopback();
            }
            else
            {
                slot.Clear()?.Dispose();
            }

            return 0;
        }

        if (count == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, "count 0 with a payload");
        }

        if (Has(flags, IrqSetFlags.DataBool))
        {
            if (data[0] != 0)
            {
                slot.Loopback();
            }

            return 0;
        }

        int fd = Fd(data, 0);
        if (fd == -1)
        {
            slot.Clear()?.Dispose();
        }
        else if (fd >= 0)
        {
            slot.Swap(EventFd.FromDuplicate(fd))?.Dispose();
        }

        return 0;
    }

    private void DisableActive()
    {
        int active = _active;
        if (active == None)
        {
            return;
        }

        if (active == VfioIrq.Intx)
        {
            StopUnmaskWatch();
            lock (_intxLock)
            {
                Volatile.Write(ref _active, None);
                _intxMasked = false;
                _intxPending = false;
                _intx.Clear()?.Dispose();
                _hardware.SetIntxMasked(true);
            }

            return;
        }

        Volatile.Write(ref _active, None);
        _hardware.Disable(active);
        foreach (InterruptSlot slot in active == VfioIrq.Msix ? _msix : _msi)
        {
            slot.Clear()?.Dispose();
        }
    }
}
