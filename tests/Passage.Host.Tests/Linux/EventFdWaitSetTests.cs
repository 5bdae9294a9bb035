using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Tests.Linux;

public sealed class EventFdWaitSetTests
{
    [Fact]
    public void Wait_SignalledMembers_ReportsTheirKeys()
    {
        using var set = new EventFdWaitSet();
        using EventFd a = EventFd.Create();
        using EventFd b = EventFd.Create();
        using EventFd c = EventFd.Create();
        set.Add(a, 10);
        set.Add(b, 20);
        set.Add(c, 30);
        a.Signal();
        c.Signal(4);

        Span<ulong> keys = stackalloc ulong[8];
        int ready = set.Wait(keys, 0);

        Assert.Equal([10ul, 30ul], keys[..ready].ToArray().Order());
    }

    [Fact]
    public void Wait_IsLevelTriggered_UntilTheCounterIsRead()
    {
        using var set = new EventFdWaitSet();
        using EventFd a = EventFd.Create();
        set.Add(a, 7);
        a.Signal();
        Span<ulong> keys = stackalloc ulong[4];

        Assert.Equal(1, set.Wait(keys, 0));
        Assert.Equal(1, set.Wait(keys, 0));
        Assert.True(a.TryRead(out ulong count));
        Assert.Equal(1ul, count);
        Assert.Equal(0, set.Wait(keys, 0));
    }

    [Fact]
    public void Wait_NothingSignalled_TimesOutWithZero()
    {
        using var set = new EventFdWaitSet();
        using EventFd a = EventFd.Create();
        set.Add(a, 1);
        Span<ulong> keys = stackalloc ulong[4];

        Assert.Equal(0, set.Wait(keys, 10));
    }

    [Fact]
    public void Wake_FromAnotherThread_EndsAnInfiniteWaitWithTheWakeKeyOnce()
    {
        using var set = new EventFdWaitSet();
        ulong reported = 0;
        var waiter = new Thread(() =>
        {
            Span<ulong> keys = stackalloc ulong[4];
            int ready = set.Wait(keys, -1);
            reported = ready == 1 ? keys[0] : 0;
        });
        waiter.Start();
        set.Wake();
        waiter.Join();

        Assert.Equal(EventFdWaitSet.WakeKey, reported);
        Span<ulong> again = stackalloc ulong[4];
        Assert.Equal(0, set.Wait(again, 0));
    }

    [Fact]
    public void Remove_Member_IsNoLongerReported()
    {
        using var set = new EventFdWaitSet();
        using EventFd a = EventFd.Create();
        set.Add(a, 5);
        set.Remove(a);
        a.Signal();
        Span<ulong> keys = stackalloc ulong[4];

        Assert.Equal(0, set.Wait(keys, 0));
    }

    [Fact]
    public void Add_SameEventFdTwice_Throws()
    {
        using var set = new EventFdWaitSet();
        using EventFd a = EventFd.Create();
        set.Add(a, 5);

        HostDeviceException e = Assert.Throws<HostDeviceException>(() => set.Add(a, 6));
        Assert.Equal(Errno.EEXIST, e.Errno);
    }

    [Fact]
    public void Add_TheWakeKey_IsRefused()
    {
        using var set = new EventFdWaitSet();
        using EventFd a = EventFd.Create();

        Assert.Throws<ArgumentOutOfRangeException>(() => set.Add(a, EventFdWaitSet.WakeKey));
    }

    [Fact]
    public void Wait_ManyReady_ReturnsAtMostTheSpanLength()
    {
        using var set = new EventFdWaitSet();
        var fds = Enumerable.Range(0, 10).Select(_ => EventFd.Create()).ToList();
        try
        {
            for (int i = 0; i < fds.Count; i++)
            {
                set.Add(fds[i], (ulong)i);
                fds[i].Signal();
            }

            Span<ulong> keys = stackalloc ulong[4];
            Assert.Equal(4, set.Wait(keys, 0));
        }
        finally
        {
            fds.ForEach(f => f.Dispose());
        }
    }
}
