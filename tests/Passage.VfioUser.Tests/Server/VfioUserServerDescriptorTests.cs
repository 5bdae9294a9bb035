using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Server;
using Passage.VfioUser.Tests.Transport;
using static Passage.VfioUser.Tests.Server.ClientSteps;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// Descriptors the server receives are closed exactly when the contract says (vfio-user.md §6, §7):
/// counted in this process's <c>/proc/self/fd</c>, where the server, the device and the test share
/// one table, so these run alone.
/// </summary>
[Collection(typeof(DescriptorCountCollection))]
public sealed class VfioUserServerDescriptorTests
{
    private const ulong Base = 0x1_0000_0000;

    [Fact]
    public void SetIrqs_WiredThenDisabled_EveryReceivedEventfdClosed()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(12);
        try
        {
            WarmUp(client, eventFds[0]);
            int before = Count();

            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 0, 8, eventFds[..8]));
            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 8, 4, eventFds[8..]));

            // The server's table holds 12, the device its own 12 references.
            Assert.Equal(before + 24, Count());
            Assert.Equal(Errno.None, client.DisableIrqs(VfioIrq.Msix));
            Assert.Equal(before, Count());
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_EntriesReplaced_TheReplacedEventfdsClosed()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(6);
        try
        {
            WarmUp(client, eventFds[0]);
            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 0, 4, eventFds[..4]));
            int wired = Count();

            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 1, 2, eventFds[4..]));
            Assert.Equal(wired, Count());
            Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 0, 2, []));
            Assert.Equal(wired - 4, Count());
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void SetIrqs_Refused_TheFdsItCarriedClosed()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme, export: device => new ForwardingDevice(device));
        var device = (ForwardingDevice)harness.Exported;
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(4);
        try
        {
            WarmUp(client, eventFds[0]);
            int before = Count();

            // Past the 33 vectors (§6), then refused by the device (ENOSPC).
            Assert.Equal(Errno.EINVAL, client.WireEventfds(VfioIrq.Msix, 32, 2, eventFds[..2]));
            device.SetIrqsOverride = (_, _, _, _) => 1;
            Assert.Equal(Errno.ENOSPC, client.WireEventfds(VfioIrq.Msix, 0, 4, eventFds));

            Assert.Equal(before, Count());
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void Command_FdsItDoesNotTake_Closed()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        EventFd[] eventFds = NewEventFds(3);
        try
        {
            WarmUp(client, eventFds[0]);
            int before = Count();

            using (RawReply reply = client.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo(), [.. eventFds.Select(e => e.Fd)]))
            {
                Assert.Equal(Errno.EINVAL, reply.Errno);
            }

            Assert.Equal(before, Count());
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    [Fact]
    public void DmaUnmap_TheWindowsFdClosed()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        using MemFdMemory memory = MemFdMemory.Create(0x4000, "client-ram");
        using EventFd warm = EventFd.Create();
        WarmUp(client, warm);
        int before = Count();

        using (RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(VfioUserDmaMapFlags.Read, 0, Base, 0x4000), [memory.Fd]))
        {
            Assert.Equal(Errno.None, mapped.Errno);
        }

        Assert.Equal(before + 1, Count());
        using (RawReply unmapped = client.Request(VfioUserCommand.DmaUnmap, Payloads.DmaUnmap(VfioUserDmaUnmapFlags.None, Base, 0x4000)))
        {
            Assert.Equal(Errno.None, unmapped.Errno);
        }

        Assert.Equal(before, Count());
    }

    [Fact]
    public void ClientLeaves_EveryDescriptorOfItsSessionClosed()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        EventFd[] eventFds = NewEventFds(4);
        using MemFdMemory memory = MemFdMemory.Create(0x4000, "client-ram");
        try
        {
            // One whole session first: whatever the runtime or the device opens once stays open.
            RunSession(harness, eventFds, memory);
            Assert.Equal(VfioUserDisconnectReason.Closed, harness.WaitDisconnected().Reason);
            int before = Count();

            RunSession(harness, eventFds, memory);
            Assert.Equal(VfioUserDisconnectReason.Closed, harness.WaitDisconnected().Reason);

            Assert.Equal(before, Count());
        }
        finally
        {
            eventFds.DisposeAll();
        }
    }

    private static void RunSession(ServerHarness harness, EventFd[] eventFds, MemFdMemory memory)
    {
        using RawClient client = harness.Negotiated();
        Assert.NotNull(client.Twin);
        Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Msix, 0, (uint)eventFds.Length, eventFds));
        using RawReply mapped = client.Request(VfioUserCommand.DmaMap, Payloads.DmaMap(VfioUserDmaMapFlags.Read, 0, Base, 0x4000), [memory.Fd]);
        using RawReply region = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 4096));
        Assert.Single(region.Fds);
        Assert.True(harness.Server.DmaWindows.Count == 1 && harness.Device.Interrupts.ActiveIndex == VfioIrq.Msix);
    }

    // Paths that open something once for the process (the eventfd check, the device's lazily created BAR memory).
    private static void WarmUp(RawClient client, EventFd eventFd)
    {
        using (RawReply region = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 4096)))
        {
            Assert.Equal(Errno.None, region.Errno);
        }

        Assert.Equal(Errno.None, client.WireEventfds(VfioIrq.Intx, 0, 1, [eventFd]));
        Assert.Equal(Errno.None, client.DisableIrqs(VfioIrq.Intx));
    }

    private static int Count()
    {
        // A handle nobody disposed would close whenever the finalizer runs: settle that first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return OpenDescriptors.Count();
    }
}
