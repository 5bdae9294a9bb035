using System.Buffers;
using Passage.Store.Protocol;

namespace Passage.Store.Server;

/// <summary>
/// The watch events of one connection on their way to its socket. The engine delivers them from any
/// thread while holding its own lock, so delivery only appends the WATCH_EVENT frame to a buffer and
/// wakes the connection's writer; it never blocks and never writes to the socket. The buffer is
/// bounded: past <c>limit</c> bytes the connection is declared overflowed (its reader has stopped),
/// later events are dropped and <c>onOverflow</c> runs once on the thread pool, never on the
/// engine's stack.
/// </summary>
internal sealed class ConnectionEventQueue : IWatchEventSink, IDisposable
{
    private readonly Lock _gate = new();
    private readonly ArrayBufferWriter<byte> _pending = new(1024);
    private readonly SemaphoreSlim _ready = new(0, 1);
    private readonly int _limit;
    private readonly Action _onOverflow;
    private bool _signalled;
    private bool _closed;
    private bool _overflowed;
    private int _oversized;

    public ConnectionEventQueue(int limit, Action onOverflow)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _limit = limit;
        _onOverflow = onOverflow;
    }

    /// <summary>True once the bound was passed.</summary>
    public bool Overflowed
    {
        get
        {
            lock (_gate)
            {
                return _overflowed;
            }
        }
    }

    /// <inheritdoc/>
    public void Deliver(ReadOnlySpan<byte> path, ReadOnlySpan<byte> token)
    {
        if (!XsFrameWriter.WatchEventFits(path, token))
        {
            // C xenstored does not send an event over the payload limit either.
            Interlocked.Increment(ref _oversized);
            return;
        }

        bool overflowNow = false;
        lock (_gate)
        {
            if (_closed || _overflowed)
            {
                return;
            }

            if (_pending.WrittenCount + XsFrameWriter.WatchEventSize(path, token) > _limit)
            {
                _overflowed = true;
                overflowNow = true;
            }
            else
            {
                XsFrameWriter.WriteWatchEvent(_pending, path, token);
                if (!_signalled)
                {
                    _signalled = true;
                    _ready.Release();
                }
            }
        }

        if (overflowNow)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static onOverflow => onOverflow(), _onOverflow, preferLocal: false);
        }
    }

    /// <summary>Completes when events are waiting.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _ready.WaitAsync(cancellationToken);

    /// <summary>Moves every waiting event frame to <paramref name="destination"/>; returns how many events were too large to send since the last call.</summary>
    public int TakeInto(IBufferWriter<byte> destination)
    {
        lock (_gate)
        {
            destination.Write(_pending.WrittenSpan);
            _pending.ResetWrittenCount();
            _signalled = false;
        }

        return Interlocked.Exchange(ref _oversized, 0);
    }

    /// <summary>Stops accepting events: the connection is ending.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _ready.Dispose();
}
