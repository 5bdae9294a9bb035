using Passage.Host.Linux;

namespace Passage.Host.Policy;

/// <summary>
/// One interrupt's eventfd and what fired while it had none. Firing and rewiring take the same
/// small lock, so an interrupt that races an eventfd swap reaches either the old eventfd (before)
/// or the new one (after), never neither.
/// </summary>
internal sealed class InterruptSlot
{
    private readonly Lock _lock = new();
    private EventFd? _trigger;
    private ulong _latched;

    /// <summary>Whether the slot holds a vector the host allocated.</summary>
    public bool Allocated { get; set; }

    /// <summary>Whether an eventfd is wired.</summary>
    public bool Wired
    {
        get
        {
            lock (_lock)
            {
                return _trigger is not null;
            }
        }
    }

    /// <summary>Interrupts that fired with no eventfd wired, waiting for one.</summary>
    public ulong Latched
    {
        get
        {
            lock (_lock)
            {
                return _latched;
            }
        }
    }

    /// <summary>Signals the wired eventfd, or latches; never allocates.</summary>
    public void Fire()
    {
        lock (_lock)
        {
            if (_trigger is { } t)
            {
                t.Signal();
            }
            else
            {
                _latched++;
            }
        }
    }

    /// <summary>Signals the wired eventfd if any (loopback); an unwired slot ignores it.</summary>
    public void Loopback()
    {
        lock (_lock)
        {
            _trigger?.Signal();
        }
    }

    /// <summary>Installs <paramref name="trigger"/> (null = unwire) and delivers what was latched to it; returns the old one to dispose.</summary>
    public EventFd? Swap(EventFd? trigger)
    {
        lock (_lock)
        {
            EventFd? old = _trigger;
            _trigger = trigger;
            if (trigger is not null && _latched > 0)
            {
                trigger.Signal(_latched);
                _latched = 0;
            }

            return old;
        }
    }

    /// <summary>Unwires, forgets latched interrupts and deallocates; returns the old eventfd to dispose.</summary>
    public EventFd? Clear()
    {
        lock (_lock)
        {
            EventFd? old = _trigger;
            _trigger = null;
            _latched = 0;
            Allocated = false;
            return old;
        }
    }
}
