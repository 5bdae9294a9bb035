using System.Diagnostics;
using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Machine;

/// <summary>
/// The machine's local APIC as far as message-signalled interrupts go: it claims the interrupt
/// address range 0xFEE0_0000–0xFEEF_FFFF on the memory bus (reads 0, writes dropped, so no BAR can
/// be placed over it) and counts every message aimed there by destination APIC ID (address bits
/// 19:12) and vector (data bits 7:0). Receiving does not allocate and is safe from any thread.
/// </summary>
public sealed class Lapic : IBusDevice
{
    /// <summary>First address of the interrupt range.</summary>
    public const ulong Base = 0xFEE0_0000;

    /// <summary>Bytes the interrupt range spans (1 MiB).</summary>
    public const ulong Length = 0x10_0000;

    /// <summary>Vectors (and destination IDs) a message can name.</summary>
    public const int Vectors = 256;

    // How often a waiter re-checks before it blocks: a vector about to arrive is caught without a
    // context switch, a slow one costs no CPU.
    private const int SpinIterations = 64;

    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue);

    private readonly long[] _byVector = new long[Vectors];
    private readonly long[] _byDestinationAndVector = new long[Vectors * Vectors];
    private readonly object _gate = new();
    private long _total;
    private int _waiters;

    /// <summary>
    /// Raised on the delivering thread (usually the interrupt router's) after a message was counted;
    /// handlers must be quick and must not wait for interrupts themselves.
    /// </summary>
    public event Action<MsiMessage>? MessageReceived;

    /// <summary>Messages received in all.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Threads blocked in <see cref="WaitForCount"/> (tests use it to reach the blocking path for sure).</summary>
    internal int Waiters => Volatile.Read(ref _waiters);

    /// <summary>Whether <paramref name="address"/> lies in the interrupt range.</summary>
    public static bool Contains(ulong address) => address - Base < Length;

    /// <summary>The destination APIC ID a message address names (bits 19:12).</summary>
    public static int DestinationOf(ulong address) => (int)(address >> 12) & 0xFF;

    /// <summary>The vector a message's data names (bits 7:0).</summary>
    public static int VectorOf(uint data) => (int)(data & 0xFF);

    /// <summary>Messages received on <paramref name="vector"/>, any destination.</summary>
    public long Count(int vector) => Interlocked.Read(ref _byVector[CheckIndex(vector, nameof(vector))]);

    /// <summary>Messages received on <paramref name="vector"/> for APIC ID <paramref name="destination"/>.</summary>
    public long Count(int destination, int vector) =>
        Interlocked.Read(ref _byDestinationAndVector[(CheckIndex(destination, nameof(destination)) * Vectors) + CheckIndex(vector, nameof(vector))]);

    /// <summary>Counts <paramref name="message"/> (its address must be in the range), wakes waiters and raises <see cref="MessageReceived"/>.</summary>
    public void Receive(MsiMessage message)
    {
        int vector = VectorOf(message.Data);
        Interlocked.Increment(ref _byDestinationAndVector[(DestinationOf(message.Address) * Vectors) + vector]);
        Interlocked.Increment(ref _byVector[vector]);
        Interlocked.Increment(ref _total);

        // The increments above are full fences: a waiter that registered before them is seen here,
        // and one registering after them sees the new count before it blocks.
        if (Volatile.Read(ref _waiters) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }

        MessageReceived?.Invoke(message);
    }

    /// <summary>
    /// Waits until <see cref="Count(int)"/> of <paramref name="vector"/> reaches
    /// <paramref name="count"/>: spins briefly, then blocks. Returns false when
    /// <paramref name="timeout"/> passed first (<see cref="Timeout.InfiniteTimeSpan"/> waits for ever).
    /// Does not allocate.
    /// </summary>
    public bool WaitForCount(int vector, long count, TimeSpan timeout)
    {
        ref long counter = ref _byVector[CheckIndex(vector, nameof(vector))];
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Interlocked.Read(ref counter) >= count)
            {
                return true;
            }

            Thread.SpinWait(20);
        }

        bool infinite = timeout == Timeout.InfiniteTimeSpan;
        if (!infinite && timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the timeout must be zero or more, or infinite");
        }

        long start = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                while (Interlocked.Read(ref counter) < count)
                {
                    TimeSpan left = infinite ? Timeout.InfiniteTimeSpan : timeout - Stopwatch.GetElapsedTime(start);
                    if (!infinite && left <= TimeSpan.Zero)
                    {
                        return false;
                    }

                    // Monitor.Wait takes at most int.MaxValue milliseconds; the loop re-checks.
                    Monitor.Wait(_gate, infinite || left < MaxWait ? left : MaxWait);
                }

                return true;
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>The LAPIC's registers are not modelled: reads return 0.</remarks>
    public void Read(ulong offset, Span<byte> data) => data.Clear();

    /// <inheritdoc />
    /// <remarks>Processor writes to the LAPIC are not modelled: dropped.</remarks>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
    }

    private static int CheckIndex(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, Vectors, name);
        return value;
    }
}
