using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Passage.Host.Devices;

namespace Passage.Host.Linux;

/// <summary>
/// One epoll instance and one background thread that wake <see cref="EventFd.ReadAsync"/>
/// waiters, so waiting on any number of eventfds costs no thread per eventfd.
/// </summary>
internal sealed unsafe class EventFdPoller
{
    private const int MaxEvents = 64;

    // struct epoll_event is packed on x86-64 (u32 events at 0, u64 data at 4); elsewhere the
    // data is naturally aligned at 8.
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
    private static readonly Lazy<EventFdPoller> Instance = new(() => new EventFdPoller());

    private readonly FileDescriptorHandle _epoll;
    private readonly ConcurrentDictionary<ulong, EventFd> _registrations = new();
    private long _nextKey;

    private EventFdPoller()
    {
        _epoll = LibC.epoll_create1(LibC.EpollCloexec);
        if (_epoll.IsInvalid)
        {
            Errno errno = LibC.LastErrno();
            _epoll.Dispose();
            throw new HostDeviceException(errno, $"cannot create the eventfd poller: {LibC.Describe(errno)}");
        }

        var thread = new Thread(Run) { IsBackground = true, Name = "Passage eventfd poller" };
        thread.Start();
    }

    /// <summary>The process-wide poller, started on first use.</summary>
    public static EventFdPoller Shared => Instance.Value;

    /// <summary>
    /// Arms a one-shot readability notification for <paramref name="owner"/>; returns its key
    /// (<paramref name="key"/> again when already registered, a new one when 0).
    /// </summary>
    public ulong Arm(EventFd owner, FileDescriptorHandle handle, ulong key)
    {
        int op = LibC.EpollCtlMod;
        if (key == 0)
        {
            key = (ulong)Interlocked.Increment(ref _nextKey);
            _registrations[key] = owner;
            op = LibC.EpollCtlAdd;
        }

        Span<byte> ev = stackalloc byte[16];
        WriteEvent(ev, LibC.EpollIn | LibC.EpollOneshot, key);
        int result;
        fixed (byte* pointer = ev)
        {
            // Sound: epoll_ctl reads one epoll_event (12 or 16 bytes) from the 16-byte stack buffer during the call.
            result = LibC.epoll_ctl(_epoll, op, handle.Fd, pointer);
        }

        if (result != 0)
        {
            Errno errno = LibC.LastErrno();
            if (op == LibC.EpollCtlAdd)
            {
                _registrations.TryRemove(key, out _);
            }

            throw new HostDeviceException(errno, $"cannot watch eventfd {handle.Fd}: {LibC.Describe(errno)}");
        }

        return key;
    }

    /// <summary>Removes a registration before its descriptor closes.</summary>
    public void Remove(ulong key, FileDescriptorHandle handle)
    {
        _registrations.TryRemove(key, out _);
        if (!handle.IsClosed)
        {
            // Sound: EPOLL_CTL_DEL ignores the event argument; null is accepted since Linux 2.6.9.
            _ = LibC.epoll_ctl(_epoll, LibC.EpollCtlDel, handle.Fd, null);
        }
    }

    private static void WriteEvent(Span<byte> ev, uint events, ulong data)
    {
        ev.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(ev, events);
        BinaryPrimitives.WriteUInt64LittleEndian(ev[DataOffset..], data);
    }

    private void Run()
    {
        byte[] buffer = GC.AllocateArray<byte>(MaxEvents * EventSize, pinned: true);
        fixed (byte* events = buffer)
        {
            while (true)
            {
                // Sound: the array is pinned for the process lifetime and holds MaxEvents entries.
                int ready = LibC.epoll_wait(_epoll, events, MaxEvents, -1);
                if (ready < 0)
                {
                    // EINTR is the only expected failure of a valid epoll descriptor.
                    continue;
                }

                for (int i = 0; i < ready; i++)
                {
                    ulong key = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan((i * EventSize) + DataOffset, sizeof(ulong)));
                    if (_registrations.TryGetValue(key, out EventFd? owner))
                    {
                        owner.OnReadable();
                    }
                }
            }
        }
    }
}
