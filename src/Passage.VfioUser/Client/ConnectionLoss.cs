namespace Passage.VfioUser.Client;

/// <summary>
/// Whether, and why, a client's connection to its server is gone (vfio-user.md §7: the device
/// then fails every call with EIO). The first report wins; the hook it runs shuts the sockets
/// down so that the other thread (a request waiting for its reply, the twin-socket reader) ends too.
/// </summary>
internal sealed class ConnectionLoss
{
    private readonly Lock _lock = new();
    private string? _reason;
    private Exception? _cause;
    private Action<string, Exception?>? _onLost;

    /// <summary>True once the connection is gone.</summary>
    public bool HasHappened => Volatile.Read(ref _reason) is not null;

    /// <summary>Why it is gone; null while it is not.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>The exception that showed it, if any.</summary>
    public Exception? Cause
    {
        get
        {
            lock (_lock)
            {
                return _cause;
            }
        }
    }

    /// <summary>Sets what runs (once, on the reporting thread) when the connection is lost; it runs at once if that already happened.</summary>
    public void OnLost(Action<string, Exception?> hook)
    {
        string? reason;
        Exception? cause;
        lock (_lock)
        {
            _onLost = hook;
            reason = _reason;
            cause = _cause;
        }

        if (reason is not null)
        {
            hook(reason, cause);
        }
    }

    /// <summary>Records the loss; false when it had already been recorded (the first reason stays).</summary>
    public bool Record(string reason, Exception? cause = null)
    {
        Action<string, Exception?>? hook;
        lock (_lock)
        {
            if (_reason is not null)
            {
                return false;
            }

            _cause = cause;
            Volatile.Write(ref _reason, reason);
            hook = _onLost;
        }

        hook?.Invoke(reason, cause);
        return true;
    }
}
