using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;

namespace Passage.Vpci.Tests.Function;

/// <summary>The guest's interrupt controller in tests: every message and INTx level change, in order.</summary>
internal sealed class RecordingSink : IGuestInterruptSink
{
    private readonly Lock _lock = new();
    private readonly List<MsiMessage> _messages = [];
    private readonly List<bool> _intx = [];

    public IReadOnlyList<MsiMessage> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public IReadOnlyList<bool> IntxChanges
    {
        get
        {
            lock (_lock)
            {
                return [.. _intx];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Messages whose data's low byte (the x86 vector) is <paramref name="vector"/>.</summary>
    public int CountVector(uint vector)
    {
        lock (_lock)
        {
            return _messages.Count(m => (m.Data & 0xFF) == vector);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _messages.Clear();
            _intx.Clear();
        }
    }

    public void Deliver(MsiMessage message)
    {
        lock (_lock)
        {
            _messages.Add(message);
        }
    }

    public void SetIntx(VirtualFunction function, bool asserted)
    {
        lock (_lock)
        {
            _intx.Add(asserted);
        }
    }
}
