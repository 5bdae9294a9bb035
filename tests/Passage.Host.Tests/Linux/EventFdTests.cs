using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.Host.Tests.Linux;

public sealed class EventFdTests
{
    [Fact]
    public void Signal_ThenTryRead_ReturnsTheValue()
    {
        using EventFd eventFd = EventFd.Create();

        eventFd.Signal(5);

        Assert.True(eventFd.TryRead(out ulong count));
        Assert.Equal(5ul, count);
    }

    [Fact]
    public void Signal_SeveralTimes_AccumulatesTheCounter()
    {
        using EventFd eventFd = EventFd.Create();

        eventFd.Signal();
        eventFd.Signal();
        eventFd.Signal(3);

        Assert.True(eventFd.TryRead(out ulong count));
        Assert.Equal(5ul, count);
    }

    [Fact]
    public void TryRead_AfterRead_CounterWasReset()
    {
        using EventFd eventFd = EventFd.Create();
        eventFd.Signal(2);
        Assert.True(eventFd.TryRead(out _));

        bool again = eventFd.TryRead(out ulong count);

        Assert.False(again);
        Assert.Equal(0ul, count);
    }

    [Fact]
    public void TryRead_Empty_ReturnsFalseWithoutBlocking()
    {
        using EventFd eventFd = EventFd.Create();

        Assert.False(eventFd.TryRead(out ulong count));
        Assert.Equal(0ul, count);
    }

    [Fact]
    public void Signal_MaxValue_ThrowsEinval()
    {
        using EventFd eventFd = EventFd.Create();

        var e = Assert.Throws<HostDeviceException>(() => eventFd.Signal(ulong.MaxValue));

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void Wait_NothingSignalled_TimesOutFalse()
    {
        using EventFd eventFd = EventFd.Create();

        Assert.False(eventFd.Wait(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void Wait_Signalled_ReturnsTrueAndLeavesTheCounter()
    {
        using EventFd eventFd = EventFd.Create();
        eventFd.Signal(7);

        Assert.True(eventFd.Wait(TimeSpan.FromSeconds(30)));
        Assert.True(eventFd.TryRead(out ulong count));
        Assert.Equal(7ul, count);
    }

    [Fact]
    public async Task ReadAsync_SignalledFromAnotherThread_Completes()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        using EventFd eventFd = EventFd.Create();

        ValueTask<ulong> pending = eventFd.ReadAsync(token);
        Thread signaller = new(() => eventFd.Signal(3));
        signaller.Start();
        ulong count = await pending;
        signaller.Join();

        Assert.Equal(3ul, count);
        Assert.False(eventFd.TryRead(out _));
    }

    [Fact]
    public async Task ReadAsync_AlreadySignalled_CompletesWithTheCounter()
    {
        using EventFd eventFd = EventFd.Create();
        eventFd.Signal(4);

        ulong count = await eventFd.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(4ul, count);
    }

    [Fact]
    public async Task ReadAsync_ManyEventFds_EachCompletesWithItsOwnValue()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        EventFd[] eventFds = [.. Enumerable.Range(0, 16).Select(_ => EventFd.Create())];
        try
        {
            Task<ulong>[] reads = [.. eventFds.Select(e => e.ReadAsync(token).AsTask())];
            for (int i = 0; i < eventFds.Length; i++)
            {
                eventFds[i].Signal((ulong)i + 1);
            }

            ulong[] counts = await Task.WhenAll(reads);

            Assert.Equal([.. Enumerable.Range(1, 16).Select(i => (ulong)i)], counts);
        }
        finally
        {
            foreach (EventFd eventFd in eventFds)
            {
                eventFd.Dispose();
            }
        }
    }

    [Fact]
    public async Task ReadAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using EventFd eventFd = EventFd.Create();
        ValueTask<ulong> pending = eventFd.ReadAsync(cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
    }

    [Fact]
    public async Task ReadAsync_AfterACancelledWait_StillCompletes()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        using EventFd eventFd = EventFd.Create();
        using (var cancellation = CancellationTokenSource.CreateLinkedTokenSource(token))
        {
            ValueTask<ulong> abandoned = eventFd.ReadAsync(cancellation.Token);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await abandoned);
        }

        ValueTask<ulong> pending = eventFd.ReadAsync(token);
        eventFd.Signal(9);

        Assert.Equal(9ul, await pending);
    }

    [Fact]
    public async Task Dispose_WhileReadAsyncWaits_FailsTheWaiter()
    {
        EventFd eventFd = EventFd.Create();
        ValueTask<ulong> pending = eventFd.ReadAsync(TestContext.Current.CancellationToken);

        eventFd.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pending);
    }

    [Fact]
    public async Task ReadAsync_TwoWaiters_EachSignalIsReadOnce()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        using EventFd eventFd = EventFd.Create();
        Task<ulong> first = eventFd.ReadAsync(token).AsTask();
        Task<ulong> second = eventFd.ReadAsync(token).AsTask();

        eventFd.Signal(1);
        Task<ulong> done = await Task.WhenAny(first, second);
        Task<ulong> other = done == first ? second : first;
        ulong firstCount = await done;
        eventFd.Signal(2);
        ulong secondCount = await other;

        Assert.Equal(1ul, firstCount);
        Assert.Equal(2ul, secondCount);
        Assert.False(eventFd.TryRead(out _));
    }

    [Fact]
    public void SignalAndTryRead_Warm_DoNotAllocate()
    {
        using EventFd eventFd = EventFd.Create();
        eventFd.Signal();
        Assert.True(eventFd.TryRead(out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            eventFd.Signal();
            _ = eventFd.TryRead(out _);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void FromDuplicate_SharesTheKernelObject()
    {
        using EventFd original = EventFd.Create();
        using EventFd copy = EventFd.FromDuplicate(original.Fd);

        original.Signal(6);

        Assert.NotEqual(original.Fd, copy.Fd);
        Assert.True(copy.TryRead(out ulong count));
        Assert.Equal(6ul, count);
        Assert.False(original.TryRead(out _));
    }

    [Fact]
    public void FromDuplicate_OriginalClosed_CopyStillWorks()
    {
        EventFd original = EventFd.Create();
        using EventFd copy = EventFd.FromDuplicate(original.Fd);
        original.Dispose();

        copy.Signal(2);

        Assert.True(copy.TryRead(out ulong count));
        Assert.Equal(2ul, count);
    }

    [Fact]
    public void FromDuplicate_IsCloseOnExec()
    {
        using EventFd original = EventFd.Create();
        using EventFd copy = EventFd.FromDuplicate(original.Fd);

        string flags = File.ReadAllLines($"/proc/self/fdinfo/{copy.Fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));

        // O_CLOEXEC is 02000000 in the octal flags fdinfo prints.
        int octal = Convert.ToInt32(flags["flags:".Length..].Trim(), 8);
        Assert.NotEqual(0, octal & 0x80000);
    }

    [Fact]
    public async Task FromDuplicate_OfABlockingEventFd_StillNeverBlocksOnRead()
    {
        // A caller's eventfd may lack EFD_NONBLOCK; the duplicate shares that mode.
        using FileDescriptorHandle blocking = LibC.eventfd(0, LibC.EfdCloexec);
        Assert.False(blocking.IsInvalid);
        using EventFd copy = EventFd.FromDuplicate(blocking.Fd);

        bool readEmpty = copy.TryRead(out _);
        ValueTask<ulong> pending = copy.ReadAsync(TestContext.Current.CancellationToken);
        copy.Signal(8);

        Assert.False(readEmpty);
        Assert.Equal(8ul, await pending);
    }

    [Fact]
    public void FromDuplicate_NotAnEventFd_ThrowsEinval()
    {
        using MemFdMemory memory = MemFdMemory.Create(4096);

        var e = Assert.Throws<HostDeviceException>(() => EventFd.FromDuplicate(memory.Fd));

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void FromDuplicate_NegativeDescriptor_ThrowsEbadf()
    {
        var e = Assert.Throws<HostDeviceException>(() => EventFd.FromDuplicate(-1));

        Assert.Equal(Errno.EBADF, e.Errno);
    }

    [Fact]
    public void Dispose_ClosesTheDescriptor()
    {
        EventFd eventFd = EventFd.Create();
        int fd = eventFd.Fd;

        // A distinctive counter identifies this eventfd even if the number is reused at once.
        eventFd.Signal(0x5A5A_1234);
        string fdInfo = $"/proc/self/fdinfo/{fd}";
        Assert.Contains("5a5a1234", ReadFdInfo(fdInfo), StringComparison.Ordinal);

        eventFd.Dispose();

        Assert.Throws<ObjectDisposedException>(() => eventFd.Fd);
        Assert.DoesNotContain("5a5a1234", ReadFdInfo(fdInfo), StringComparison.Ordinal);
    }

    private static string ReadFdInfo(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
