using Passage.Host.Linux;

namespace Passage.Bench;

/// <summary>
/// The floor of the guest interrupt benchmarks: eventfd A, a thread blocked on A that reads it and
/// writes eventfd B, and the benchmark thread blocked on B — the two kernel wake-ups an interrupt
/// costs between a device and a waiting guest, and nothing else. A path under test ends by writing
/// B itself (<see cref="Answer"/>) and is waited for the same way (<see cref="WaitAnswer"/>), so
/// both sides of a ratio make the same kernel calls.
/// </summary>
internal sealed class EventFdRelay : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly EventFd _request = EventFd.Create();
    private readonly EventFd _answer = EventFd.Create();
    private readonly Thread _forwarder;
    private volatile bool _stop;

    public EventFdRelay()
    {
        _forwarder = new Thread(Forward) { IsBackground = true, Name = "eventfd forwarder" };
        _forwarder.Start();
    }

    /// <summary>Floor: write A; the forwarding thread reads it and writes B; read B.</summary>
    public ulong RoundTrip()
    {
        _request.Signal();
        return WaitAnswer();
    }

    /// <summary>Writes B: what a path under test does when it is done (from any thread).</summary>
    public void Answer() => _answer.Signal();

    /// <summary>Blocks until B has been written, and reads it.</summary>
    public ulong WaitAnswer()
    {
        ulong n;
        while (!_answer.TryRead(out n))
        {
            _answer.Wait(Timeout);
        }

        return n;
    }

    public void Dispose()
    {
        _stop = true;
        _request.Signal();
        _forwarder.Join();
        _request.Dispose();
        _answer.Dispose();
    }

    // Blocks on A like the router thread blocks on a vector's eventfd; answers every signal on B.
    private void Forward()
    {
        while (!_stop)
        {
            _request.Wait(System.Threading.Timeout.InfiniteTimeSpan);
            if (_request.TryRead(out _) && !_stop)
            {
                _answer.Signal();
            }
        }
    }
}
