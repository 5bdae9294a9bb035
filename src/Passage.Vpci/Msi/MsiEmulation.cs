using System.Buffers.Binary;
using System.Numerics;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Msi;

/// <summary>
/// The guest's MSI capability (vpci.md §6): Message Control synthesised from the host's vector
/// count (GET_IRQ_INFO, not config space) and the guest's choices; enabling asks the host for the
/// configured count through SET_IRQS with one eventfd per vector; address and data replace the
/// latched messages at once; per-vector masks latch arrivals in an emulated Pending register
/// delivered on unmask. All state is guarded by the function lock.
/// </summary>
public sealed class MsiEmulation : IInterruptTarget
{
    private const uint MaxVectors = 32;

    private readonly VirtualFunction _function;
    private readonly bool _is64;
    private readonly bool _perVectorMask;
    private readonly uint _hostMax;
    private readonly uint _hostCapabilityBits;
    private readonly EventFd?[] _eventFds;
    private readonly RouterSlot?[] _slots;
    private uint _count = 1;
    private bool _enabled;
    private bool _hostActive;
    private ulong _address;
    private uint _data;
    private uint _mask;
    private uint _pending;

    private MsiEmulation(VirtualFunction function, ConfigSpace host, int offset, uint hostMax)
    {
        _function = function;
        uint control = host.Read16(offset + MsiCapability.ControlOffset);
        _is64 = (control & MsiCapability.Address64) != 0;
        _perVectorMask = (control & MsiCapability.PerVectorMask) != 0;
        _hostCapabilityBits = control & (MsiCapability.Address64 | MsiCapability.PerVectorMask);
        _hostMax = hostMax;
        _eventFds = new EventFd?[hostMax];
        _slots = new RouterSlot?[hostMax];
    }

    /// <summary>Whether the guest's Enable bit is set.</summary>
    public bool Enabled => _enabled;

    /// <summary>Whether the host's MSI index is enabled for this function (the most recent enable was MSI).</summary>
    public bool HostActive => _hostActive;

    /// <summary>Vectors configured (2^MME, at most the host's maximum).</summary>
    public int Vectors => (int)_count;

    /// <summary>Vectors the host offers.</summary>
    public int HostVectors => (int)_hostMax;

    /// <summary>The emulated Pending bits.</summary>
    public uint Pending => _pending;

    /// <summary>Registers the capability body at <paramref name="offset"/>; null with a reason when the host offers no MSI vector.</summary>
    internal static MsiEmulation? TryCreate(VirtualFunction function, int offset, RegisterGroup group, out string? reason)
    {
        uint hostMax;
        try
        {
            hostMax = Math.Min(function.Device.GetIrqInfo(VfioIrq.Msi).Count, MaxVectors);
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            hostMax = 0;
        }

        if (hostMax == 0)
        {
            reason = "the host device offers no MSI vector";
            return null;
        }

        // Granted counts are powers of two: a host offering 6 is used as 4.
        hostMax = 1u << BitOperations.Log2(hostMax);
        var msi = new MsiEmulation(function, function.HostSnapshot, offset, hostMax);
        int data = offset + (msi._is64 ? 0x0C : 0x08);
        group.Add(new RegisterDescriptor { Offset = offset + MsiCapability.ControlOffset, Size = 2, Read = (_, _) => msi.ReadControl(), Write = (_, v, _) => msi.WriteControl(v) });
        group.Add(new RegisterDescriptor { Offset = offset + MsiCapability.AddressOffset, Size = 4, Read = (_, _) => (uint)msi._address, Write = (_, v, _) => msi._address = (msi._address & 0xFFFF_FFFF_0000_0000) | v, ReservedZero = 0x3 });
        if (msi._is64)
        {
            group.Add(new RegisterDescriptor { Offset = offset + 0x08, Size = 4, Read = (_, _) => (uint)(msi._address >> 32), Write = (_, v, _) => msi._address = ((ulong)v << 32) | (uint)msi._address });
        }

        group.Add(new RegisterDescriptor { Offset = data, Size = 2, Read = (_, _) => msi._data, Write = (_, v, _) => msi._data = v });
        if (msi._perVectorMask)
        {
            group.Add(new RegisterDescriptor { Offset = data + 4, Size = 4, Read = (_, _) => msi._mask, Write = (_, v, _) => msi.WriteMask(v) });
            group.Add(new RegisterDescriptor { Offset = data + 8, Size = 4, Read = (_, _) => msi._pending });
        }

        reason = null;
        return msi;
    }

    /// <summary>The message vector <paramref name="vector"/> sends: the data's low log2(count) bits replaced by the vector (pci.md §7).</summary>
    public MsiMessage Message(int vector) => new(_address, (_data & ~(_count - 1)) | (uint)vector);

    /// <inheritdoc />
    public int Arrive(int vector, ulong count, out MsiMessage message)
    {
        lock (_function.Lock)
        {
            message = default;
            if (!_hostActive || (uint)vector >= _count)
            {
                return 0;
            }

            if (_perVectorMask && (_mask & (1u << vector)) != 0)
            {
                _pending |= 1u << vector;
                return 0;
            }

            message = Message(vector);
            return (int)Math.Min(count, int.MaxValue);
        }
    }

    /// <summary>Disables MSI at the host and closes its eventfds; the guest's Enable bit is kept (another index took over, or teardown).</summary>
    internal void ReleaseHost()
    {
        if (!_hostActive)
        {
            return;
        }

        _hostActive = false;
        try
        {
            _function.Device.SetIrqs(VfioIrq.Msi, 0, 0, IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone, []);
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            _function.Log($"MSI: the host refused to disable MSI ({e.Message})");
        }

        CloseEventFds();
    }

    /// <summary>Back to initial: count 1, disabled, mask 0, pending 0 (the host side is released first).</summary>
    internal void ResetToInitial()
    {
        ReleaseHost();
        _enabled = false;
        _count = 1;
        _address = 0;
        _data = 0;
        _mask = 0;
        _pending = 0;
    }

    private static int Log2(uint value) => BitOperations.Log2(Math.Max(value, 1));

    private uint ReadControl() =>
        (_enabled ? MsiCapability.Enable : 0u) | ((uint)Log2(_hostMax) << 1) | ((uint)Log2(_count) << 4) | _hostCapabilityBits;

    private void WriteControl(uint value)
    {
        bool enable = (value & MsiCapability.Enable) != 0;
        uint count = Math.Min(1u << (int)Math.Min((value & MsiCapability.MultipleMessageEnableMask) >> 4, 5), _hostMax);
        if (enable == _enabled && count == _count)
        {
            return;
        }

        if (!enable && !_enabled)
        {
            _count = count;
            return;
        }

        bool wasHost = _hostActive;
        ReleaseHost();
        _enabled = false;
        _count = count;
        if (!enable)
        {
            if (wasHost)
            {
                _function.Interrupts.Released(VfioIrq.Msi);
            }

            return;
        }

        _function.Interrupts.Claim(VfioIrq.Msi);
        if (EnableHost())
        {
            _enabled = true;
        }
        else
        {
            _function.Interrupts.Released(VfioIrq.Msi);
        }
    }

    private bool EnableHost()
    {
        Span<byte> fds = stackalloc byte[(int)MaxVectors * 4];
        try
        {
            for (int v = 0; v < _count; v++)
            {
                EventFd eventFd = EventFd.Create();
                _eventFds[v] = eventFd;
                _slots[v] = _function.Router.Attach(eventFd, this, v);
                BinaryPrimitives.WriteInt32LittleEndian(fds[(4 * v)..], eventFd.Fd);
            }

            // Arrivals during the call find the vectors wired: the function lock is held until it returns.
            _hostActive = true;
            int available = _function.Device.SetIrqs(VfioIrq.Msi, 0, _count, IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd, fds[..(4 * (int)_count)]);
            if (available > 0)
            {
                _function.Log($"MSI: the host can give only {available} of {_count} vectors; MSI stays disabled");
                _hostActive = false;
                CloseEventFds();
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            _function.Log($"MSI: the host refused to enable {_count} vector(s) ({e.Message}); MSI stays disabled");
            _hostActive = false;
            CloseEventFds();
            return false;
        }
    }

    // Unmasking a vector with its pending bit set clears it and delivers once.
    private void WriteMask(uint value)
    {
        uint unmasked = _mask & ~value;
        _mask = value;
        uint release = unmasked & _pending & (_count == 32 ? uint.MaxValue : (1u << (int)_count) - 1);
        if (!_hostActive)
        {
            return;
        }

        while (release != 0)
        {
            int vector = BitOperations.TrailingZeroCount(release);
            release &= release - 1;
            _pending &= ~(1u << vector);
            _function.Deliveries.Add(Message(vector));
        }
    }

    private void CloseEventFds()
    {
        for (int v = 0; v < _eventFds.Length; v++)
        {
            if (_slots[v] is { } slot)
            {
                _function.Router.Detach(slot);
                _slots[v] = null;
            }

            _eventFds[v]?.Dispose();
            _eventFds[v] = null;
        }
    }
}
