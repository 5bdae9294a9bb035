using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Policy;

namespace Passage.Host.Tests.Policy;

public sealed class IrqControllerTests : IDisposable
{
    private const IrqSetFlags TriggerEventfd = IrqSetFlags.ActionTrigger | IrqSetFlags.DataEventfd;
    private const IrqSetFlags TriggerNone = IrqSetFlags.ActionTrigger | IrqSetFlags.DataNone;
    private const IrqSetFlags TriggerBool = IrqSetFlags.ActionTrigger | IrqSetFlags.DataBool;

    private readonly List<EventFd> _fds = [];

    public void Dispose()
    {
        foreach (EventFd fd in _fds)
        {
            fd.Dispose();
        }
    }

    private static (IrqController Irqs, FakeInterruptHardware Hw) Create(int msi = 4, int msix = 8, bool dynamic = false, bool intx = true, bool pcie = true)
    {
        var hw = new FakeInterruptHardware(msi, msix, dynamic, intx, pcie);
        var irqs = new IrqController(hw);
        hw.Controller = irqs;
        return (irqs, hw);
    }

    private EventFd NewFd()
    {
        var fd = EventFd.Create();
        _fds.Add(fd);
        return fd;
    }

    private static byte[] Fds(params int[] fds)
    {
        byte[] data = new byte[4 * fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4 * i), fds[i]);
        }

        return data;
    }

    private static ulong Count(EventFd fd) => fd.TryRead(out ulong n) ? n : 0;

    private static Errno ErrnoOf(Action action) => Assert.Throws<HostDeviceException>(action).Errno;

    [Theory]
    [InlineData(VfioIrq.Intx, IrqInfoFlags.Eventfd | IrqInfoFlags.Maskable | IrqInfoFlags.Automasked, 1u)] // INTx: maskable, auto-masked
    [InlineData(VfioIrq.Msi, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 4u)] // MSI: 1 << MMC
    [InlineData(VfioIrq.Msix, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 8u)] // MSI-X: table size, no dynamic growth
    [InlineData(VfioIrq.Err, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 1u)] // ERR on PCIe
    [InlineData(VfioIrq.Req, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 1u)] // REQ always
    public void GetIrqInfo_Index_VfioFlagsAndCount(int index, IrqInfoFlags flags, uint count)
    {
        (IrqController irqs, _) = Create();

        Assert.Equal(new IrqInfo(index, flags, count), irqs.GetIrqInfo(index));
    }

    [Fact]
    public void GetIrqInfo_NoPinNoPcieDynamicMsix_CountsAndFlagsFollow()
    {
        (IrqController irqs, _) = Create(dynamic: true, intx: false, pcie: false);

        Assert.Equal(0u, irqs.GetIrqInfo(VfioIrq.Intx).Count);
        Assert.Equal(0u, irqs.GetIrqInfo(VfioIrq.Err).Count);
        Assert.Equal(IrqInfoFlags.Eventfd, irqs.GetIrqInfo(VfioIrq.Msix).Flags);
        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.GetIrqInfo(5)));
    }

    [Fact]
    public void Intx_AssertWhileEnabled_SignalsOnceAndAutoMasks()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd trigger = NewFd();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(trigger.Fd));
        Assert.False(hw.IntxMasked);

        hw.IntxAsserted = true;
        irqs.IntxAssert();
        irqs.IntxAssert(); // still masked: no second signal

        Assert.Equal(1UL, Count(trigger));
        Assert.True(irqs.IntxMasked);
        Assert.True(hw.IntxMasked);
    }

    [Fact]
    public void Intx_UnmaskWhileStillAsserted_SignalsAgainAndStaysMasked()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd trigger = NewFd();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(trigger.Fd));
        hw.IntxAsserted = true;
        irqs.IntxAssert();
        Count(trigger);

        irqs.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionUnmask | IrqSetFlags.DataNone, []);

        Assert.Equal(1UL, Count(trigger));
        Assert.True(irqs.IntxMasked);
    }

    [Fact]
    public void Intx_UnmaskAfterDeassert_Unmasks()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd trigger = NewFd();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(trigger.Fd));
        hw.IntxAsserted = true;
        irqs.IntxAssert();
        hw.IntxAsserted = false;

        irqs.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionUnmask | IrqSetFlags.DataBool, [1]);

        Assert.False(irqs.IntxMasked);
        Assert.False(hw.IntxMasked);
    }

    [Fact]
    public async Task Intx_UnmaskEventfd_WritingItUnmasks()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd trigger = NewFd();
        EventFd unmask = NewFd();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(trigger.Fd));
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionUnmask | IrqSetFlags.DataEventfd, Fds(unmask.Fd));
        hw.IntxAsserted = true;
        irqs.IntxAssert();
        hw.IntxAsserted = false;

        unmask.Signal();
        // The unmask runs on the poller; wait for its effect with a generous guard (not a timing assertion).
        for (int i = 0; i < 500 && irqs.IntxMasked; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.False(irqs.IntxMasked);
    }

    [Fact]
    public void Intx_MaskWithEventfd_Enotty()
    {
        (IrqController irqs, _) = Create();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(-1));

        Assert.Equal(Errno.ENOTTY, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionMask | IrqSetFlags.DataEventfd, Fds(-1))));
    }

    [Fact]
    public void Intx_EnableWithMinusOne_EnabledWithoutSignal()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();

        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(-1));

        Assert.Equal(VfioIrq.Intx, irqs.ActiveIndex);
        Assert.False(irqs.IsWired(VfioIrq.Intx, 0));
        Assert.False(hw.IntxMasked);
    }

    [Fact]
    public void Intx_DisableCountZero_AndAgainIsEinval()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(NewFd().Fd));

        irqs.SetIrqs(VfioIrq.Intx, 0, 0, TriggerNone, []);

        Assert.Equal(-1, irqs.ActiveIndex);
        Assert.True(hw.IntxMasked);
        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Intx, 0, 0, TriggerNone, [])));
    }

    [Theory]
    [InlineData(IrqSetFlags.DataNone, new byte[0], 1UL)] // NONE count 1 loops back
    [InlineData(IrqSetFlags.DataBool, new byte[] { 1 }, 1UL)] // BOOL true loops back
    [InlineData(IrqSetFlags.DataBool, new byte[] { 0 }, 0UL)] // BOOL false does nothing
    public void Intx_Loopback_SignalsTrigger(IrqSetFlags data, byte[] payload, ulong expected)
    {
        (IrqController irqs, _) = Create();
        EventFd trigger = NewFd();
        irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(trigger.Fd));

        irqs.SetIrqs(VfioIrq.Intx, 0, 1, IrqSetFlags.ActionTrigger | data, payload);

        Assert.Equal(expected, Count(trigger));
    }

    [Fact]
    public void Msix_Enable_WiresVectorsAndDeliversToTheirEventfds()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd[] fds = [NewFd(), NewFd(), NewFd(), NewFd()];

        Assert.Equal(0, irqs.SetIrqs(VfioIrq.Msix, 0, 4, TriggerEventfd, Fds([.. fds.Select(f => f.Fd)])));
        hw.Fire(VfioIrq.Msix, 2);
        hw.Fire(VfioIrq.Msix, 2);
        hw.Fire(VfioIrq.Msix, 0);

        Assert.Equal([(VfioIrq.Msix, 4)], hw.Enables);
        Assert.Equal([1UL, 0UL, 2UL, 0UL], fds.Select(Count));
        Assert.False(hw.IsMasked(3));
        Assert.True(hw.IsMasked(4)); // not allocated: stays masked at the host
    }

    [Fact]
    public void Msix_SwapEventfd_NextInterruptGoesToTheNewOne()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd first = NewFd();
        EventFd second = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(first.Fd));

        irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(second.Fd));
        hw.Fire(VfioIrq.Msix, 0);

        Assert.Equal((0UL, 1UL), (Count(first), Count(second)));
    }

    [Fact]
    public void Msix_UnwiredVector_KeptPendingAndDeliveredWhenRewired()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        EventFd first = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(first.Fd, NewFd().Fd));
        irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(-1));

        hw.Fire(VfioIrq.Msix, 0);
        hw.Fire(VfioIrq.Msix, 0);
        Assert.True(hw.IsMasked(0));
        Assert.Equal(2, hw.Pending(0));

        EventFd again = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(again.Fd));

        Assert.Equal(2UL, Count(again));
        Assert.Equal(0UL, Count(first));
    }

    [Fact]
    public void Msix_VectorBeyondInitialRangeWithoutDynamic_Einval()
    {
        (IrqController irqs, _) = Create(dynamic: false);
        irqs.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(NewFd().Fd, NewFd().Fd));

        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Msix, 5, 1, TriggerEventfd, Fds(NewFd().Fd))));
    }

    [Fact]
    public void Msix_DynamicGrowth_AddsVectorWithoutTouchingOthers()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create(dynamic: true);
        EventFd v0 = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(v0.Fd));
        hw.Fire(VfioIrq.Msix, 5); // before vector 5 exists: pending in the device

        EventFd v5 = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 5, 1, TriggerEventfd, Fds(v5.Fd));
        hw.Fire(VfioIrq.Msix, 0);

        Assert.Equal(2, irqs.MsixAllocated);
        Assert.Equal(1UL, Count(v5)); // the interrupt raised before the vector existed is not lost
        Assert.Equal(1UL, Count(v0));
        Assert.Single(hw.Enables); // no disable/re-enable
        Assert.Equal(0, hw.Disables);
    }

    [Fact]
    public void Msix_BadFdPartWay_RollsBackThisCallOnly()
    {
        (IrqController irqs, _) = Create();
        EventFd kept = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 0, 4, TriggerEventfd, Fds(kept.Fd, -1, -1, -1));

        Errno errno = ErrnoOf(() => irqs.SetIrqs(VfioIrq.Msix, 1, 3, TriggerEventfd, Fds(NewFd().Fd, NewFd().Fd, 987654)));

        Assert.Equal(Errno.EBADF, errno);
        Assert.True(irqs.IsWired(VfioIrq.Msix, 0));
        Assert.False(irqs.IsWired(VfioIrq.Msix, 1));
        Assert.False(irqs.IsWired(VfioIrq.Msix, 2));
        Assert.Equal(VfioIrq.Msix, irqs.ActiveIndex);
    }

    [Fact]
    public void Msix_FdThatIsNotAnEventfd_EinvalAndNothingEnabled()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        using var file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.DeleteOnClose);
        int fd = (int)file.SafeFileHandle.DangerousGetHandle();

        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(fd))));
        Assert.Equal(-1, irqs.ActiveIndex);
        Assert.Equal(1, hw.Disables);
    }

    [Fact]
    public void Msi_FewerVectorsAvailable_PositiveCountNothingEnabled()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        hw.Available = 2;

        int result = irqs.SetIrqs(VfioIrq.Msi, 0, 4, TriggerEventfd, Fds(NewFd().Fd, NewFd().Fd, NewFd().Fd, NewFd().Fd));

        Assert.Equal(2, result);
        Assert.Equal(-1, irqs.ActiveIndex);
    }

    [Theory]
    [InlineData(IrqSetFlags.ActionMask)] // per-vector masking is the VMM's job
    [InlineData(IrqSetFlags.ActionUnmask)] // likewise
    public void Msix_MaskOrUnmask_Enotty(IrqSetFlags action)
    {
        (IrqController irqs, _) = Create();

        Assert.Equal(Errno.ENOTTY, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Msix, 0, 1, action | IrqSetFlags.DataNone, [])));
    }

    [Fact]
    public void Msix_WhileMsiActive_Einval()
    {
        (IrqController irqs, _) = Create();
        irqs.SetIrqs(VfioIrq.Msi, 0, 1, TriggerEventfd, Fds(NewFd().Fd));

        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Msix, 0, 1, TriggerEventfd, Fds(NewFd().Fd))));
        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Intx, 0, 1, TriggerEventfd, Fds(NewFd().Fd))));
    }

    [Fact]
    public void Msix_DisableCountZero_DisablesHardwareAndInactiveIndexIsEinval()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        irqs.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(NewFd().Fd, NewFd().Fd));

        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Msi, 0, 0, TriggerNone, [])));
        irqs.SetIrqs(VfioIrq.Msix, 0, 0, TriggerNone, []);

        Assert.Equal(-1, irqs.ActiveIndex);
        Assert.Equal(1, hw.Disables);
        Assert.False(irqs.IsWired(VfioIrq.Msix, 0));
    }

    [Theory]
    [InlineData(IrqSetFlags.DataNone, new byte[0], new ulong[] { 1, 1 })] // NONE: every wired vector in range
    [InlineData(IrqSetFlags.DataBool, new byte[] { 0, 1 }, new ulong[] { 0, 1 })] // BOOL: the ones set
    public void Msix_Loopback_SignalsWiredVectors(IrqSetFlags data, byte[] payload, ulong[] expected)
    {
        (IrqController irqs, _) = Create();
        EventFd a = NewFd();
        EventFd b = NewFd();
        irqs.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(a.Fd, b.Fd));

        irqs.SetIrqs(VfioIrq.Msix, 0, 2, IrqSetFlags.ActionTrigger | data, payload);

        Assert.Equal(expected, new[] { Count(a), Count(b) });
    }

    [Theory]
    [InlineData(VfioIrq.Err)] // ERR
    [InlineData(VfioIrq.Req)] // REQ
    public void ErrReq_AllDataForms_FollowVfio(int index)
    {
        (IrqController irqs, _) = Create();
        EventFd fd = NewFd();

        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(index, 0, 1, TriggerNone, []))); // nothing installed
        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(index, 0, 0, TriggerNone, []))); // nothing to release
        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(index, 0, 0, TriggerEventfd, []))); // eventfd count 0
        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(index, 0, 0, TriggerBool, []))); // bool count 0
        irqs.SetIrqs(index, 0, 1, TriggerBool, [1]); // bool with nothing installed: no-op

        irqs.SetIrqs(index, 0, 1, TriggerEventfd, Fds(fd.Fd));
        irqs.Notify(index);
        irqs.SetIrqs(index, 0, 1, TriggerNone, []); // loopback
        irqs.SetIrqs(index, 0, 1, TriggerBool, [1]); // loopback
        Assert.Equal(3UL, Count(fd));

        irqs.SetIrqs(index, 0, 1, TriggerEventfd, Fds(-1)); // release
        Assert.False(irqs.IsWired(index, 0));
        irqs.SetIrqs(index, 0, 1, TriggerEventfd, Fds(-1)); // releasing again succeeds
        Assert.Equal(Errno.ENOTTY, ErrnoOf(() => irqs.SetIrqs(index, 0, 1, IrqSetFlags.ActionMask | IrqSetFlags.DataNone, [])));
    }

    [Fact]
    public void ErrReq_NoneCountZero_Releases()
    {
        (IrqController irqs, _) = Create();
        irqs.SetIrqs(VfioIrq.Req, 0, 1, TriggerEventfd, Fds(NewFd().Fd));

        irqs.SetIrqs(VfioIrq.Req, 0, 0, TriggerNone, []);

        Assert.False(irqs.IsWired(VfioIrq.Req, 0));
    }

    [Fact]
    public void Err_NonPcieDevice_Einval()
    {
        (IrqController irqs, _) = Create(pcie: false);

        Assert.Equal(Errno.EINVAL, ErrnoOf(() => irqs.SetIrqs(VfioIrq.Err, 0, 1, TriggerEventfd, Fds(NewFd().Fd))));
    }

    [Fact]
    public void DisableAll_UnbindsEverything()
    {
        (IrqController irqs, FakeInterruptHardware hw) = Create();
        irqs.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(NewFd().Fd, NewFd().Fd));
        irqs.SetIrqs(VfioIrq.Err, 0, 1, TriggerEventfd, Fds(NewFd().Fd));
        irqs.SetIrqs(VfioIrq.Req, 0, 1, TriggerEventfd, Fds(NewFd().Fd));

        irqs.DisableAll();

        Assert.Equal(-1, irqs.ActiveIndex);
        Assert.Equal(-1, hw.EnabledIndex);
        Assert.False(irqs.IsWired(VfioIrq.Msix, 0) || irqs.IsWired(VfioIrq.Err, 0) || irqs.IsWired(VfioIrq.Req, 0));
    }

    [Fact]
    public async Task Storm_SwapsAndGrowthDuringDoorbells_EveryInterruptDelivered()
    {
        const int Vectors = 8;
        const int Swaps = 400;
        (IrqController irqs, FakeInterruptHardware hw) = Create(msix: Vectors, dynamic: true);
        var all = new List<EventFd>();
        EventFd Track()
        {
            EventFd fd = NewFd();
            all.Add(fd);
            return fd;
        }

        irqs.SetIrqs(VfioIrq.Msix, 0, 2, TriggerEventfd, Fds(Track().Fd, Track().Fd));
        long fired = 0;
        using var swapping = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        Task[] firing = [.. Enumerable.Range(0, 3).Select(t => Task.Run(() =>
        {
            started.Wait(TestContext.Current.CancellationToken);
            // Fire until every swap is done, and at least a few thousand times each.
            for (int i = 0; i < 5000 || !swapping.IsCancellationRequested; i++)
            {
                hw.Fire(VfioIrq.Msix, (i + t) % Vectors);
                Interlocked.Increment(ref fired);
            }
        }, TestContext.Current.CancellationToken))];

        started.Set();
        for (int v = 2; v < Vectors; v++)
        {
            irqs.SetIrqs(VfioIrq.Msix, (uint)v, 1, TriggerEventfd, Fds(Track().Fd)); // growth under the storm
        }

        for (int swap = 0; swap < Swaps; swap++)
        {
            irqs.SetIrqs(VfioIrq.Msix, (uint)(swap % Vectors), 1, TriggerEventfd, Fds(Track().Fd));
        }

        swapping.Cancel();
        await Task.WhenAll(firing);
        ulong delivered = 0;
        foreach (EventFd fd in all)
        {
            delivered += Count(fd);
        }

        Assert.Equal(2 + (Vectors - 2) + Swaps, all.Count);
        Assert.Equal((ulong)Interlocked.Read(ref fired), delivered);
    }
}
