using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Vpci.Function;

namespace Passage.Vpci.Interrupts;

/// <summary>
/// One host IRQ index at a time for a function (vpci.md §7.11): enabling MSI or MSI-X first
/// disables whichever other index the host has on; releasing one brings INTx back when the guest
/// uses it. INTx: host index 0 with an eventfd; a signal raises the function's virtual INTx line,
/// the guest's acknowledge unmasks the auto-masked line, guest INTx Disable masks it.
/// </summary>
internal sealed class HostInterrupts : IInterruptTarget
{
    private const int None = -1;

    private readonly VirtualFunction _function;
    private EventFd? _intxFd;
    private RouterSlot? _intxSlot;
    private int _active = None;
    private bool _line;
    private long _assertions;

    /// <summary>Reads the host's INTx count for <paramref name="function"/>.</summary>
    public HostInterrupts(VirtualFunction function)
    {
        _function = function;
        try
        {
            IntxCount = (int)function.Device.GetIrqInfo(VfioIrq.Intx).Count;
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            IntxCount = 0;
        }
    }

    /// <summary>The host's INTx count (0: no INTx, the guest reads Interrupt Pin 0).</summary>
    public int IntxCount { get; }

    /// <summary>The host index this function has enabled (0 INTx, 1 MSI, 2 MSI-X), or −1.</summary>
    public int ActiveIndex => _active;

    /// <summary>The level of the function's virtual INTx line.</summary>
    public bool IntxAsserted => _line;

    /// <summary>Times the virtual INTx line went up.</summary>
    public long IntxAssertions => Interlocked.Read(ref _assertions);

    // The guest uses INTx: the device has a pin, INTx Disable is clear, no MSI or MSI-X enabled.
    private bool GuestUsesIntx => IntxCount > 0 && _function.HostSnapshot.InterruptPin != 0
        && !_function.Header.IntxDisabled && !_function.MessageInterruptsEnabled;

    /// <summary>Enables host INTx when the guest uses it (at creation and after a virtual FLR).</summary>
    public void Start()
    {
        if (_active == None && GuestUsesIntx)
        {
            EnableIntx();
        }
    }

    /// <summary>Before enabling <paramref name="index"/> (MSI or MSI-X) on the host: disables any other index this function holds.</summary>
    public void Claim(int index)
    {
        if (_active == index)
        {
            return;
        }

        DisableActive();
        _active = index;
    }

    /// <summary>After <paramref name="index"/> was disabled on the host: re-enables INTx if the guest uses it.</summary>
    public void Released(int index)
    {
        if (_active != index)
        {
            return;
        }

        _active = None;
        Start();
    }

    /// <summary>The guest's INTx Disable changed: mask or unmask host index 0 (and bring INTx up or down).</summary>
    public void GuestIntxDisableChanged(bool disable)
    {
        if (_active == VfioIrq.Intx)
        {
            Call(disable ? IrqSetFlags.ActionMask : IrqSetFlags.ActionUnmask, IrqSetFlags.DataNone, "mask INTx");
            if (disable)
            {
                LowerLine();
            }
        }
        else
        {
            Start();
        }
    }

    /// <summary>The guest acknowledged INTx: the line drops and the auto-masked host line is unmasked (it re-signals if still asserted).</summary>
    public void Acknowledge()
    {
        bool lowered;
        lock (_function.Lock)
        {
            if (_active != VfioIrq.Intx)
            {
                return;
            }

            lowered = _line;
            _line = false;
        }

        if (lowered)
        {
            _function.Router.Sink.SetIntx(_function, false);
        }

        lock (_function.Lock)
        {
            if (_active == VfioIrq.Intx && !_function.Header.IntxDisabled)
            {
                Call(IrqSetFlags.ActionUnmask, IrqSetFlags.DataNone, "unmask INTx");
            }
        }
    }

    /// <summary>Disables every host index this function enabled.</summary>
    public void DisableAll() => DisableActive();

    /// <inheritdoc />
    public int Arrive(int vector, ulong count, out MsiMessage message)
    {
        message = default;
        bool raise;
        lock (_function.Lock)
        {
            if (_active != VfioIrq.Intx)
            {
                return 0;
            }

            raise = !_line;
            _line = true;
        }

        if (raise)
        {
            Interlocked.Increment(ref _assertions);
            _function.Router.Sink.SetIntx(_function, true);
        }

        return 0;
    }

    private void DisableActive()
    {
        switch (_active)
        {
            case VfioIrq.Intx:
                Call(IrqSetFlags.ActionTrigger, IrqSetFlags.DataNone, "disable INTx", count: 0);
                if (_intxSlot is { } slot)
                {
                    _function.Router.Detach(slot);
                }

                _intxFd?.Dispose();
                _intxFd = null;
                _intxSlot = null;
                LowerLine();
                break;
            case VfioIrq.Msi:
                _function.Msi?.ReleaseHost();
                break;
            case VfioIrq.Msix:
                _function.Msix?.ReleaseHost();
                break;
            default:
                break;
        }

        _active = None;
    }

    private void EnableIntx()
    {
        EventFd eventFd = EventFd.Create();
        RouterSlot slot = _function.Router.Attach(eventFd, this, 0);
        Span<byte> fd = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(fd, eventFd.Fd);
        try
        {
            _function.Device.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd, fd);
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            _function.Log($"INTx: the host refused to enable INTx ({e.Message})");
            _function.Router.Detach(slot);
            eventFd.Dispose();
            return;
        }

        _intxFd = eventFd;
        _intxSlot = slot;
        _active = VfioIrq.Intx;
    }

    private void LowerLine()
    {
        if (_line)
        {
            _line = false;
            _function.Router.Sink.SetIntx(_function, false);
        }
    }

    private void Call(IrqSetFlags action, IrqSetFlags data, string what, uint count = 1)
    {
        try
        {
            _function.Device.SetIrqs(VfioIrq.Intx, 0, count, action | data, []);
        }
        catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
        {
            _function.Log($"INTx: the host refused to {what} ({e.Message})");
        }
    }
}
