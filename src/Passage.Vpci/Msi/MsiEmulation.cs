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
/// delivered on unmask. All state is guarded by the function lock, except what
/// <see cref="Arrive"/> reads on the router thread without it: the vector count while the host
/// index is on, the mask and pending words (atomic) and the sequence-locked message. An unmask
/// stores the mask before it takes pending bits; an arrival sets its pending bit before it looks
/// at the mask again; so no interrupt falls between the two.
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
    private uint _mask;
    private uint _pending;

    // What the router thread reads: vectors wired at the host (0 while the index is off) and the
    // guest's address and data.
    private int _arrivalCount;
    private MessageLatch _message;

    // The guest's address and data: the latch is their one copy.
    private MsiMessage Latched => _message.Read();

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
    public bool HostActive => Volatile.Read(ref _arrivalCount) != 0;

    /// <summary>Vectors configured (2^MME, at most the host's maximum).</summary>
    public int Vectors => (int)_count;

    /// <summary>Vectors the host offers.</summary>
    public int HostVectors => (int)_hostMax;

    /// <summary>The emulated Pending bits.</summary>
    public uint Pending => Volatile.Read(ref _pending);

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
        group.Add(new RegisterDescriptor { Offset = offset + MsiCapability.AddressOffset, Size = 4, Read = (_, _) => (uint)msi.Latched.Address, Write = (_, v, _) => msi.SetMessage((msi.Latched.Address & 0xFFFF_FFFF_0000_0000) | v, msi.Latched.Data), ReservedZero = 0x3 });
        if (msi._is64)
        {
            group.Add(new RegisterDescriptor { Offset = offset + 0x08, Size = 4, Read = (_, _) => (uint)(msi.Latched.Address >> 32), Write = (_, v, _) => msi.SetMessage(((ulong)v << 32) | (uint)msi.Latched.Address, msi.Latched.Data) });
        }

        group.Add(new RegisterDescriptor { Offset = data, Size = 2, Read = (_, _) => msi.Latched.Data, Write = (_, v, _) => msi.SetMessage(msi.Latched.Address, v) });
        if (msi._perVectorMask)
        {
            group.Add(new RegisterDescriptor { Offset = data + 4, Size = 4, Read = (_, _) => msi._mask, Write = (_, v, _) => msi.WriteMask(v) });
            group.Add(new RegisterDescriptor { Offset = data + 8, Size = 4, Read = (_, _) => msi.Pending });
        }

        reason = null;
        return msi;
    }

    /// <summary>The message vector <paramref name="vector"/> sends: the data's low log2(count) bits replaced by the vector (pci.md §7).</summary>
    public MsiMessage Message(int vector) => Compose(Latched, vector, (int)_count);

    /// <inheritdoc />
    /// <remarks>Runs on the router thread without the function lock (see the type's remarks).</remarks>
    public int Arrive(int vector, ulong count, out MsiMessage message)
    {
        message = default;
        int vectors = Volatile.Read(ref _arrivalCount);
        if ((uint)vector >= (uint)vectors)
        {
            return 0;
        }

        uint bit = 1u << vector;
        if (!_perVectorMask || (Volatile.Read(ref _mask) & bit) == 0)
        {
            message = Compose(Latched, vector, vectors);
            return (int)Math.Min(count, int.MaxValue);
        }

        // Several arrivals while masked are one pending bit; an unmask that looked before the bit
        // was set left it to us.
        Interlocked.Or(ref _pending, bit);
        if ((Volatile.Read(ref _mask) & bit) == 0 && (Interlocked.And(ref _pending, ~bit) & bit) != 0)
        {
            message = Compose(Latched, vector, vectors);
            return 1;
        }

        return 0;
    }

    /// <summary>Disables MSI at the host and closes its eventfds; the guest's Enable bit is kept (another index took over, or teardown).</summary>
    internal void ReleaseHost()
    {
        if (!HostActive)
        {
            return;
        }

        // The router stops acting on this index before the host lets go of it.
        Volatile.Write(ref _arrivalCount, 0);
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
        SetMessage(0, 0);
        Volatile.Write(ref _mask, 0);
        Volatile.Write(ref _pending, 0);
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

        bool wasHost = HostActive;
        ReleaseHost();
        _enabled = false;
        _count = count;
        if (!enable)
        {
            // INTx comes back when the guest now uses it, also when MSI-X had taken the host index
            // from MSI and was disabled first (then INTx could not start while MSI was still on).
            if (wasHost)
            {
                _function.Interrupts.Released(VfioIrq.Msi);
            }
            else
            {
                _function.Interrupts.Start();
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

            // Arrivals from the moment the host wires the vectors are acted on.
            Volatile.Write(ref _arrivalCount, (int)_count);
            int available = _function.Device.SetIrqs(VfioIrq.Msi, 0, _count, IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd, fds[..(4 * (int)_count)]);
            if (available > 0)
            {
                _function.Log($"MSI: the host can give only {available} of {_count} vectors; MSI stays disabled");
                Volatile.Write(ref _arrivalCount, 0);
                CloseEventFds();
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            _function.Log($"MSI: the host refused to enable {_count} vector(s) ({e.Message}); MSI stays disabled");
            Volatile.Write(ref _arrivalCount, 0);
            CloseEventFds();
            return false;
        }
    }

    // Unmasking a vector with its pending bit set clears it and delivers once. The mask is stored
    // (a full fence) before the pending bits are taken, so an arrival racing the unmask either
    // sees the vector unmasked or leaves its bit for this loop.
    private void WriteMask(uint value)
    {
        uint unmasked = Interlocked.Exchange(ref _mask, value) & ~value;
        uint release = unmasked & (_count == 32 ? uint.MaxValue : (1u << (int)_count) - 1);
        if (!HostActive)
        {
            return;
        }

        while (release != 0)
        {
            int vector = BitOperations.TrailingZeroCount(release);
            release &= release - 1;
            uint bit = 1u << vector;
            if ((Interlocked.And(ref _pending, ~bit) & bit) != 0)
            {
                _function.Deliveries.Add(Message(vector));
            }
        }
    }

    // Address and data replace the router's latched message at once (§6).
    private void SetMessage(ulong address, uint data) => _message.Write(new MsiMessage(address, data));

    // Vector i of `vectors` sends the data with its low log2(vectors) bits replaced by i (pci.md §7).
    private static MsiMessage Compose(MsiMessage latched, int vector, int vectors) =>
        new(latched.Address, (latched.Data & ~(uint)(vectors - 1)) | (uint)vector);

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
