using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>
/// A level-triggered epoll set over eventfds for one dedicated waiting thread (an interrupt
/// router): each eventfd is added with a caller key, <see cref="Wait"/> reports the keys of
/// readable ones without allocating, and <see cref="Wake"/> interrupts a wait from another thread.
/// </summary>
public sealed unsafe class EventFdWaitSet : IDisposable
{
    /// <summary>The key <see cref="Wait"/> reports for a <see cref="Wake"/>.</summary>
    public const ulong WakeKey = ulong.MaxValue;

    private const int MaxEvents = 64;

    // struct epoll_event is packed on x86-64 (u32 events at 0, u64 data at 4); elsewhere the
    // data is naturally aligned at 8.
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly FileDescriptorHandle _epoll;
    private readonly EventFd _wake;
    private readonly byte[] _events = GC.AllocateArray<byte>(MaxEvents * 16, pinned: true);

    /// <summary>Creates an empty set.</summary>
    /// <exception cref="HostDeviceException">The kernel refused an epoll instance or an eventfd.</exception>
    public EventFdWaitSet()
    {
        _epoll = LibC.epoll_create1(LibC.EpollCloexec);
        if (_epoll.IsInvalid)
        {
            Errno errno = LibC.LastErrno();
            _epoll.Dispose();
            throw new HostDeviceException(errno, $"cannot create an epoll set: {LibC.Describe(errno)}");
        }

        _wake = EventFd.Create();
        Control(LibC.EpollCtlAdd, _wake.Fd, WakeKey);
    }

    /// <summary>Adds <paramref name="eventFd"/>; <see cref="Wait"/> reports <paramref name="key"/> while its counter is non-zero.</summary>
    /// <exception cref="HostDeviceException">The descriptor is already in the set or closed.</exception>
    public void Add(EventFd eventFd, ulong key)
    {
        ArgumentNullException.ThrowIfNull(eventFd);
        ArgumentOutOfRangeException.ThrowIfEqual(key, WakeKey);
        Control(LibC.EpollCtlAdd, eventFd.Fd, key);
    }

    /// <summary>Removes <paramref name="eventFd"/> (before it is closed: a duplicate would keep the registration alive).</summary>
    public void Remove(EventFd eventFd)
    {
        ArgumentNullException.ThrowIfNull(eventFd);

        // Sound: EPOLL_CTL_DEL ignores the event argument; null is accepted since Linux 2.6.9.
        _ = LibC.epoll_ctl(_epoll, LibC.EpollCtlDel, eventFd.Fd, null);
    }

    /// <summary>Makes a current or the next <see cref="Wait"/> return <see cref="WakeKey"/>.</summary>
    public void Wake() => _wake.Signal();

    /// <summary>
    /// Blocks until a member is readable, a wake, or <paramref name="timeoutMilliseconds"/> (−1 = forever);
    /// fills <paramref name="keys"/> and returns how many. A wake is consumed when reported.
    /// </summary>
    public int Wait(Span<ulong> keys, int timeoutMilliseconds)
    {
        int max = Math.Min(keys.Length, MaxEvents);
        int ready;
        fixed (byte* events = _events)
        {
            // Sound: the pinned array holds MaxEvents entries of at most 16 bytes and max ≤ MaxEvents.
            ready = LibC.epoll_wait(_epoll, events, max, timeoutMilliseconds);
        }

        if (ready <= 0)
        {
            // EINTR (or a timeout): the caller loops.
            return 0;
        }

        for (int i = 0; i < ready; i++)
        {
            ulong key = BinaryPrimitives.ReadUInt64LittleEndian(_events.AsSpan((i * EventSize) + DataOffset, sizeof(ulong)));
            if (key == WakeKey)
            {
                _wake.TryRead(out _);
            }

            keys[i] = key;
        }

        return ready;
    }

    /// <summary>Closes the set; member eventfds stay open.</summary>
    public void Dispose()
    {
        _wake.Dispose();
        _epoll.Dispose();
    }

    private void Control(int op, int fd, ulong key)
    {
        Span<byte> ev = stackalloc byte[16];
        ev.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(ev, LibC.EpollIn);
        BinaryPrimitives.WriteUInt64LittleEndian(ev[DataOffset..], key);
        int result;
        fixed (byte* pointer = ev)
        {
            // Sound: epoll_ctl reads one epoll_event (12 or 16 bytes) from the 16-byte stack buffer during the call.
            result = LibC.epoll_ctl(_epoll, op, fd, pointer);
        }

        if (result != 0)
        {
            Errno errno = LibC.LastErrno();
            throw new HostDeviceException(errno, $"cannot add eventfd {fd} to an epoll set: {LibC.Describe(errno)}");
        }
    }
}
