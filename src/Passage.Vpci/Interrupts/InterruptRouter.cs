using System.Collections.Concurrent;
using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Vpci.Interrupts;

/// <summary>
/// Carries interrupts from device eventfds to the guest (vpci.md §7.8): one thread waits on every
/// wired eventfd, reads the 8-byte counter, asks the slot's emulation whether to deliver or latch,
/// and delivers. For MSI and MSI-X no lock on that path is shared with config or MMIO handling
/// (the emulation decides from atomic state), and the wait-read-deliver loop does not allocate.
/// </summary>
public sealed class InterruptRouter : IDisposable
{
    private readonly IGuestInterruptSink _sink;
    private readonly EventFdWaitSet _set = new();
    private readonly ConcurrentDictionary<ulong, RouterSlot> _slots = new();
    private readonly Thread _thread;
    private readonly object _drainGate = new();
    private long _nextKey;
    private volatile bool _stopping;
    private long _delivered;
    private long _drainRequested;
    private long _drainCompleted;

    /// <summary>Starts a router delivering to <paramref name="sink"/>.</summary>
    public InterruptRouter(IGuestInterruptSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _thread = new Thread(Run) { IsBackground = true, Name = "Passage interrupt router" };
        _thread.Start();
    }

    /// <summary>The guest's interrupt controller.</summary>
    public IGuestInterruptSink Sink => _sink;

    /// <summary>Messages delivered, by the router thread and by <see cref="Deliver"/>.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Starts waiting on <paramref name="eventFd"/> for <paramref name="target"/>'s <paramref name="vector"/>.</summary>
    /// <exception cref="HostDeviceException">The eventfd cannot be watched.</exception>
    public RouterSlot Attach(EventFd eventFd, IInterruptTarget target, int vector)
    {
        ArgumentNullException.ThrowIfNull(eventFd);
        ArgumentNullException.ThrowIfNull(target);
        var slot = new RouterSlot((ulong)Interlocked.Increment(ref _nextKey), eventFd, target, vector);
        _slots[slot.Key] = slot;
        try
        {
            _set.Add(eventFd, slot.Key);
        }
        catch
        {
            _slots.TryRemove(slot.Key, out _);
            throw;
        }

        return slot;
    }

    /// <summary>Stops waiting on the slot's eventfd (call before closing it).</summary>
    public void Detach(RouterSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (_slots.TryRemove(slot.Key, out _))
        {
            _set.Remove(slot.EventFd);
        }
    }

    /// <summary>Delivers <paramref name="message"/> now (an unmask with a pending bit); call outside the function lock.</summary>
    public void Deliver(MsiMessage message)
    {
        Interlocked.Increment(ref _delivered);
        _sink.Deliver(message);
    }

    /// <summary>
    /// Waits until every eventfd signalled before the call has been read and its interrupt
    /// delivered or latched: what a test or the qtest protocol uses to see a doorbell's effect
    /// deterministically. Returns at once on the router thread itself or once the router stopped.
    /// </summary>
    public void Drain()
    {
        if (Thread.CurrentThread == _thread)
        {
            return;
        }

        long ticket;
        lock (_drainGate)
        {
            ticket = ++_drainRequested;
        }

        _set.Wake();
        lock (_drainGate)
        {
            while (Volatile.Read(ref _drainCompleted) < ticket && _thread.IsAlive)
            {
                Monitor.Wait(_drainGate, 100);
            }
        }
    }

    /// <summary>Stops the router thread; attached eventfds stay open.</summary>
    public void Dispose()
    {
        _stopping = true;
        _set.Wake();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        lock (_drainGate)
        {
            Monitor.PulseAll(_drainGate);
        }

        _set.Dispose();
    }

    private void Run()
    {
        Span<ulong> keys = stackalloc ulong[64];
        while (!_stopping)
        {
            int ready = _set.Wait(keys, -1);
            if (!HandleBatch(keys[..ready]))
            {
                continue;
            }

            // A wake: a drain may be waiting. Level-triggered epoll reports every eventfd whose
            // counter is still non-zero, so one sweep without blocking (more while batches come
            // back full) reaches everything signalled before the drain was asked for.
            long requested = Volatile.Read(ref _drainRequested);
            do
            {
                ready = _set.Wait(keys, 0);
                HandleBatch(keys[..ready]);
            }
            while (ready == keys.Length && !_stopping);

            lock (_drainGate)
            {
                _drainCompleted = Math.Max(_drainCompleted, requested);
                Monitor.PulseAll(_drainGate);
            }
        }
    }

    // Handles one batch of ready keys; true when it held a wake.
    private bool HandleBatch(ReadOnlySpan<ulong> keys)
    {
        bool woke = false;
        foreach (ulong key in keys)
        {
            if (key == EventFdWaitSet.WakeKey)
            {
                woke = true;
            }
            else if (_slots.TryGetValue(key, out RouterSlot? slot))
            {
                Handle(slot);
            }
        }

        return woke;
    }

    private void Handle(RouterSlot slot)
    {
        ulong count;
        try
        {
            if (!slot.EventFd.TryRead(out count))
            {
                return;
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or HostDeviceException)
        {
            // Detached and closed while this thread held the slot: the signal belongs to nobody.
            return;
        }

        Interlocked.Add(ref slot.SignalCount, (long)count);
        int copies = slot.Target.Arrive(slot.Vector, count, out MsiMessage message);
        for (int i = 0; i < copies; i++)
        {
            Deliver(message);
        }
    }
}
