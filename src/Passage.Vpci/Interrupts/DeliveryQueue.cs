namespace Passage.Vpci.Interrupts;

/// <summary>
/// Messages that emulation decided to deliver while holding the function lock (an unmask with a
/// pending bit, a catch-up after reallocation): they are queued there and handed to the router
/// after the lock is released (vpci.md §7.8, §9). First in, first out; allocates only to grow.
/// </summary>
internal sealed class DeliveryQueue
{
    private readonly Lock _lock = new();
    private MsiMessage[] _items = new MsiMessage[16];
    private int _head;
    private int _count;

    /// <summary>Messages waiting.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Queues one message.</summary>
    public void Add(MsiMessage message)
    {
        lock (_lock)
        {
            if (_count == _items.Length)
            {
                var grown = new MsiMessage[_items.Length * 2];
                for (int i = 0; i < _count; i++)
                {
                    grown[i] = _items[(_head + i) % _items.Length];
                }

                _items = grown;
                _head = 0;
            }

            _items[(_head + _count) % _items.Length] = message;
            _count++;
        }
    }

    /// <summary>Delivers everything queued through <paramref name="router"/>; call without holding the function lock.</summary>
    public void Flush(InterruptRouter router)
    {
        while (true)
        {
            MsiMessage message;
            lock (_lock)
            {
                if (_count == 0)
                {
                    _head = 0;
                    return;
                }

                message = _items[_head];
                _head = (_head + 1) % _items.Length;
                _count--;
            }

            router.Deliver(message);
        }
    }
}
