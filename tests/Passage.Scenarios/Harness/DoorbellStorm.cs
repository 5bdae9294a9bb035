namespace Passage.Scenarios.Harness;

/// <summary>
/// Two threads ringing the doorbell of every MSI-X entry, round after round, while the guest
/// unmasks entries one at a time. One rings the entries already unmasked, freely — also while an
/// unmask is re-programming the host. The other rings the entries still masked, under a gate the
/// guest's unmasks also take, so each of its rings is counted exactly as "while masked" or "while
/// unmasked", never guessed.
/// </summary>
internal sealed class DoorbellStorm : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly IGuest _rig;
    private readonly int _entries;
    private readonly long[] _rungUnmasked;
    private readonly long[] _rungMasked;
    private readonly Lock _gate = new();
    private readonly Thread[] _threads;
    private readonly long[] _rounds = new long[2];
    private int _unmasked;
    private int _unmasking;
    private volatile bool _stop;
    private Exception? _failure;

    /// <summary>Starts ringing entries 0 to <paramref name="entries"/> − 1; entries below <paramref name="unmasked"/> are unmasked already.</summary>
    public DoorbellStorm(IGuest rig, int entries, int unmasked)
    {
        _rig = rig;
        _entries = entries;
        _unmasked = unmasked;
        _rungUnmasked = new long[entries];
        _rungMasked = new long[entries];
        _threads =
        [
            new Thread(() => Run(0, RingUnmaskedRound)) { IsBackground = true, Name = "doorbells on unmasked entries" },
            new Thread(() => Run(1, RingMaskedRound)) { IsBackground = true, Name = "doorbells on masked entries" },
        ];
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Doorbells rung on <paramref name="entry"/> while it was unmasked.</summary>
    public long RungUnmasked(int entry) => Interlocked.Read(ref _rungUnmasked[entry]);

    /// <summary>Doorbells rung on <paramref name="entry"/> while it was masked.</summary>
    public long RungMasked(int entry) => Interlocked.Read(ref _rungMasked[entry]);

    /// <summary>Waits until both threads have run <paramref name="rounds"/> more complete rounds, so every entry was rung that often since the call.</summary>
    /// <exception cref="TimeoutException">The storm stalled.</exception>
    public void WaitRounds(int rounds)
    {
        // A round under way when called may have passed some entries already: it does not count.
        long[] target = [.. _rounds.Select((_, i) => Interlocked.Read(ref _rounds[i]) + rounds + 1)];
        DateTime deadline = DateTime.UtcNow + Patience;
        while (Interlocked.Read(ref _rounds[0]) < target[0] || Interlocked.Read(ref _rounds[1]) < target[1])
        {
            ThrowIfFailed();
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the doorbell storm stalled at rounds {_rounds[0]} and {_rounds[1]}");
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Unmasks <paramref name="entry"/> (the next masked one) through <paramref name="unmask"/> while no doorbell rings on a masked entry.</summary>
    public void Unmask(int entry, Action unmask)
    {
        Interlocked.Increment(ref _unmasking);
        try
        {
            lock (_gate)
            {
                if (entry != _unmasked)
                {
                    throw new InvalidOperationException($"entries are unmasked in order: {_unmasked} is next, not {entry}");
                }

                unmask();
                Volatile.Write(ref _unmasked, entry + 1);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _unmasking);
        }
    }

    /// <summary>Stops both threads and rethrows what made one fail, if anything.</summary>
    public void Stop()
    {
        Dispose();
        ThrowIfFailed();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop = true;
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    // Entries only ever go from masked to unmasked: below the count read at the start they are unmasked for sure.
    private void RingUnmaskedRound()
    {
        int unmasked = Volatile.Read(ref _unmasked);
        for (int v = 0; v < unmasked && !_stop; v++)
        {
            _rig.Ring(v);
            Interlocked.Increment(ref _rungUnmasked[v]);
        }
    }

    private void RingMaskedRound()
    {
        if (Volatile.Read(ref _unmasked) >= _entries)
        {
            Thread.Sleep(1);
            return;
        }

        for (int v = Volatile.Read(ref _unmasked); v < _entries && !_stop; v++)
        {
            // The gate is not fair: step aside while the guest waits for it, or it may wait long.
            while (Volatile.Read(ref _unmasking) > 0 && !_stop)
            {
                Thread.Yield();
            }

            lock (_gate)
            {
                _rig.Ring(v);
                long[] counts = v < _unmasked ? _rungUnmasked : _rungMasked;
                Interlocked.Increment(ref counts[v]);
            }
        }
    }

    private void Run(int index, Action round)
    {
        try
        {
            while (!_stop)
            {
                round();
                Interlocked.Increment(ref _rounds[index]);

                // Two cores may serve the storm, the router and the guest: let the others in between rounds.
                Thread.Yield();
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("the doorbell storm failed", failure);
        }
    }
}
