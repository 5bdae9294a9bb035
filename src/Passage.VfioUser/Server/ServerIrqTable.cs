using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;

namespace Passage.VfioUser.Server;

/// <summary>
/// The server's side of the SET_IRQS contract between Passage's client and server. vfio-user
/// carries at most 8 fds a message and cannot send "no eventfd" as −1, so a client splits one
/// VFIO SetIrqs into messages over contiguous sub-ranges; the server keeps, per IRQ index, the
/// eventfds it received (owned until replaced, de-assigned, disabled or the client leaves) and the
/// count it enabled the device with, and turns each message back into a device call:
/// <list type="bullet">
/// <item>EVENTFD | TRIGGER sets the table's entries (to the fds, or to −1 when none came); an index
/// not enabled yet, or a NORESIZE index growing past its enabled count, is (disabled and) enabled
/// with the whole table up to <c>max(enabled count, start + count)</c>; otherwise the message's
/// range is forwarded.</item>
/// <item>NONE | TRIGGER with count 0 disables the index and closes its fds.</item>
/// <item>Everything else (mask, unmask, an INTx unmask eventfd, loopback triggers) is forwarded as it is.</item>
/// </list>
/// A positive device return (fewer vectors available) is answered with ENOSPC, a device failure
/// with its errno; either way the table entries of the message are restored. Used by the session's
/// thread only.
/// </summary>
internal sealed class ServerIrqTable
{
    private const IrqSetFlags TriggerEventfd = IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger;
    private const IrqSetFlags TriggerNone = IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger;

    private readonly IHostDevice _device;
    private readonly Action<string> _log;
    private readonly SortedDictionary<int, IndexState> _indexes = [];

    public ServerIrqTable(IHostDevice device, Action<string> log)
    {
        _device = device;
        _log = log;
    }

    /// <summary>
    /// Applies one validated SET_IRQS message (vfio-user.md §6 already checked against
    /// <paramref name="info"/>). Takes the fds it keeps out of <paramref name="fds"/> (their slots
    /// become null); the caller closes whatever is left.
    /// </summary>
    public Errno Apply(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> boolData, FileDescriptorHandle?[] fds, IrqInfo info)
    {
        IrqSetFlags data = flags & IrqSetFlags.DataMask;
        IrqSetFlags action = flags & IrqSetFlags.ActionMaskAll;
        if (data == IrqSetFlags.DataEventfd && action == IrqSetFlags.ActionTrigger)
        {
            return Assign(index, start, count, fds, info);
        }

        if (data == IrqSetFlags.DataNone && action == IrqSetFlags.ActionTrigger && count == 0)
        {
            return Disable(index);
        }

        byte[] payload = data switch
        {
            IrqSetFlags.DataBool => boolData.ToArray(),
            IrqSetFlags.DataEventfd => FdData(fds, 0, (int)count),
            _ => [],
        };
        return Call(index, start, count, flags, payload);
    }

    /// <summary>The client left: disables every index it enabled and closes every eventfd it sent.</summary>
    public void Release()
    {
        foreach ((int index, IndexState state) in _indexes)
        {
            // ERR and REQ have no enabled state of their own, only an eventfd: with none installed
            // there is nothing to release on the device.
            bool release = state.Enabled && (index is not (VfioIrq.Err or VfioIrq.Req) || state.HoldsEventfd);
            if (release)
            {
                Errno result = Call(index, 0, 0, TriggerNone, []);
                if (result != Errno.None)
                {
                    _log($"disabling IRQ index {index} after the client left failed: {result}");
                }
            }

            state.Close();
        }

        _indexes.Clear();
    }

    private static byte[] FdData(FileDescriptorHandle?[] fds, int first, int count)
    {
        byte[] data = new byte[count * sizeof(int)];
        for (int i = 0; i < count; i++)
        {
            // Without fds (a de-assigning message) every entry is −1.
            FileDescriptorHandle? fd = first + i < fds.Length ? fds[first + i] : null;
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i * sizeof(int)), fd?.Fd ?? -1);
        }

        return data;
    }

    private Errno Assign(int index, uint start, uint count, FileDescriptorHandle?[] fds, IrqInfo info)
    {
        if (!_indexes.TryGetValue(index, out IndexState? state))
        {
            state = new IndexState(info.Count);
            _indexes.Add(index, state);
        }

        state.EnsureSize(info.Count);
        int first = (int)start, length = (int)count;
        var previous = new FileDescriptorHandle?[length];
        for (int i = 0; i < length; i++)
        {
            previous[i] = state.Table[first + i];
            state.Table[first + i] = fds.Length == 0 ? null : fds[i];
            if (fds.Length != 0)
            {
                fds[i] = null;
            }
        }

        bool wasEnabled = state.Enabled;
        uint enabledCount = state.EnabledCount;
        bool grows = !wasEnabled || ((info.Flags & IrqInfoFlags.NoResize) != 0 && start + count > enabledCount);
        Errno result = grows
            ? Enable(index, state, Math.Max(wasEnabled ? enabledCount : 0, start + count))
            : Call(index, start, count, TriggerEventfd, FdData(state.Table, first, length));
        if (result == Errno.None)
        {
            state.EnabledCount = Math.Max(state.EnabledCount, start + count);
            FileDescriptorHandle.DisposeAll(previous);

            return Errno.None;
        }

        for (int i = 0; i < length; i++)
        {
            state.Table[first + i]?.Dispose();
            state.Table[first + i] = previous[i];
        }

        if (!grows)
        {
            // A failed device call may have unwired part of the range (VFIO unwinds what the call
            // set): put the table's entries back on the device so the two agree.
            Resync(index, TriggerEventfd, start, count, FdData(state.Table, first, length));
        }
        else if (wasEnabled && !state.Enabled)
        {
            // Disabled for growth, then refused: bring the index back as it was.
            if (Call(index, 0, enabledCount, TriggerEventfd, FdData(state.Table, 0, (int)enabledCount)) == Errno.None)
            {
                state.Enabled = true;
                state.EnabledCount = enabledCount;
            }
            else
            {
                _log($"IRQ index {index} could not be re-enabled with {enabledCount} vectors after a refused growth; it stays disabled");
                state.Close();
            }
        }

        return result;
    }

    private Errno Enable(int index, IndexState state, uint extent)
    {
        if (state.Enabled)
        {
            Errno off = Call(index, 0, 0, TriggerNone, []);
            if (off != Errno.None)
            {
                return off;
            }

            state.Enabled = false;
            state.EnabledCount = 0;
        }

        Errno on = Call(index, 0, extent, TriggerEventfd, FdData(state.Table, 0, (int)extent));
        if (on == Errno.None)
        {
            state.Enabled = true;
            state.EnabledCount = extent;
        }

        return on;
    }

    private Errno Disable(int index)
    {
        Errno result = Call(index, 0, 0, TriggerNone, []);
        if (result == Errno.None && _indexes.Remove(index, out IndexState? state))
        {
            state.Close();
        }

        return result;
    }

    private void Resync(int index, IrqSetFlags flags, uint start, uint count, byte[] data)
    {
        Errno result = Call(index, start, count, flags, data);
        if (result != Errno.None)
        {
            _log($"IRQ index {index} vectors {start}..{start + count - 1} could not be rewired to their previous eventfds: {result}");
        }
    }

    private Errno Call(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        try
        {
            return _device.SetIrqs(index, start, count, flags, data) > 0 ? Errno.ENOSPC : Errno.None;
        }
        catch (HostDeviceException e)
        {
            return e.Errno == Errno.None ? Errno.EIO : e.Errno;
        }
    }

    /// <summary>One index: the client's eventfds by vector, and whether and with how many vectors it is enabled.</summary>
    private sealed class IndexState(uint vectors)
    {
        public FileDescriptorHandle?[] Table { get; private set; } = new FileDescriptorHandle?[vectors];

        public bool Enabled { get; set; }

        public uint EnabledCount { get; set; }

        public bool HoldsEventfd => Array.Exists(Table, fd => fd is not null);

        public void EnsureSize(uint vectors)
        {
            if (Table.Length < vectors)
            {
                FileDescriptorHandle?[] table = Table;
                Array.Resize(ref table, (int)vectors);
                Table = table;
            }
        }

        public void Close()
        {
            for (int i = 0; i < Table.Length; i++)
            {
                Table[i]?.Dispose();
                Table[i] = null;
            }

            Enabled = false;
            EnabledCount = 0;
        }
    }
}
