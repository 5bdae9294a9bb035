namespace Passage.Vpci.Interrupts;

/// <summary>
/// One vector's latched message, replaced by the holder of the function lock and read by the
/// router thread without that lock: a sequence lock. The writer makes the sequence odd, stores,
/// makes it even again; a reader retries while it is odd or changed under it, so it never sees
/// an address of one message with the data of another. Neither side allocates or blocks.
/// </summary>
internal struct MessageLatch
{
    private int _sequence;
    private ulong _address;
    private uint _data;

    /// <summary>Replaces the message; one writer at a time (the function lock is held).</summary>
    public void Write(MsiMessage message)
    {
        // Full fences: readers see the odd count before any half-written field, and both fields
        // before the even count.
        Interlocked.Increment(ref _sequence);
        Volatile.Write(ref _address, message.Address);
        Volatile.Write(ref _data, message.Data);
        Interlocked.Increment(ref _sequence);
    }

    /// <summary>The message as last written, from any thread.</summary>
    public MsiMessage Read()
    {
        SpinWait spin = default;
        while (true)
        {
            int before = Volatile.Read(ref _sequence);
            if ((before & 1) == 0)
            {
                ulong address = Volatile.Read(ref _address);
                uint data = Volatile.Read(ref _data);

                // The field loads must complete before the sequence is looked at again.
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _sequence) == before)
                {
                    return new MsiMessage(address, data);
                }
            }

            spin.SpinOnce();
        }
    }
}
