using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Sim.Runtime;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Server;

/// <summary>Steps a test client takes again and again: turning decoding on, ringing the doorbell, wiring eventfds.</summary>
internal static class ClientSteps
{
    private const IrqSetFlags TriggerEventfd = IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger;

    /// <summary>Command = Memory Space | Bus Master, through REGION_WRITE of config space.</summary>
    public static void EnableDecoding(this RawClient client)
    {
        using RawReply reply = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(4, VfioRegion.Config, [0x06, 0x00]));
        Assert.Equal(Errno.None, reply.Errno);
    }

    /// <summary>Writes <paramref name="vector"/> to the model's doorbell through REGION_WRITE: the device raises that interrupt.</summary>
    public static void RingDoorbell(this RawClient client, SimControlBlock block, int vector)
    {
        byte[] value = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(value, vector);
        using RawReply reply = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(block.Offset + SimControlBlock.Doorbell, (uint)block.Bar, value));
        Assert.Equal(Errno.None, reply.Errno);
    }

    /// <summary>SET_IRQS EVENTFD | TRIGGER for [<paramref name="start"/>, +<paramref name="count"/>) with <paramref name="eventFds"/> (none: de-assign); the reply's errno.</summary>
    public static Errno WireEventfds(this RawClient client, uint index, uint start, uint count, IEnumerable<EventFd> eventFds)
    {
        int[] fds = [.. eventFds.Select(e => e.Fd)];
        using RawReply reply = client.Request(VfioUserCommand.DeviceSetIrqs, Payloads.SetIrqs(TriggerEventfd, index, start, count), fds);
        return reply.Errno;
    }

    /// <summary>SET_IRQS NONE | TRIGGER, count 0: disables the index; the reply's errno.</summary>
    public static Errno DisableIrqs(this RawClient client, uint index)
    {
        using RawReply reply = client.Request(VfioUserCommand.DeviceSetIrqs, Payloads.SetIrqs(IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger, index, 0, 0));
        return reply.Errno;
    }

    /// <summary>Which of <paramref name="eventFds"/> were signalled (reading them resets them).</summary>
    public static bool[] Signalled(IReadOnlyList<EventFd> eventFds) => [.. eventFds.Select(e => e.TryRead(out ulong count) && count > 0)];

    public static EventFd[] NewEventFds(int count) => [.. Enumerable.Range(0, count).Select(_ => EventFd.Create())];

    public static void DisposeAll(this IEnumerable<IDisposable> items)
    {
        foreach (IDisposable item in items)
        {
            item.Dispose();
        }
    }
}
