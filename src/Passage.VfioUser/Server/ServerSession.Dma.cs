using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

internal sealed partial class ServerSession
{
    /// <inheritdoc />
    public Errno ReadDma(ulong address, Span<byte> destination)
    {
        Errno refused = Admit(address, destination.Length, write: false);
        if (refused != Errno.None || destination.IsEmpty)
        {
            return refused;
        }

        for (int done = 0; done < destination.Length;)
        {
            ulong at = address + (ulong)done;
            Span<byte> rest = destination[done..];
            int length = _windows.Read(at, rest, out bool byMessage);
            if (length < 0)
            {
                // The window went away between the check and the copy.
                return VfioUserDmaErrno.Fault;
            }

            Errno result = !byMessage ? Errno.None : _dma?.Read(at, rest[..length]) ?? Errno.EIO;
            if (result != Errno.None)
            {
                return result;
            }

            done += length;
        }

        return Errno.None;
    }

    /// <inheritdoc />
    public Errno WriteDma(ulong address, ReadOnlySpan<byte> source)
    {
        Errno refused = Admit(address, source.Length, write: true);
        if (refused != Errno.None || source.IsEmpty)
        {
            return refused;
        }

        for (int done = 0; done < source.Length;)
        {
            ulong at = address + (ulong)done;
            ReadOnlySpan<byte> rest = source[done..];
            int length = _windows.Write(at, rest, out bool byMessage);
            if (length < 0)
            {
                return VfioUserDmaErrno.Fault;
            }

            Errno result = !byMessage ? Errno.None : _dma?.Write(at, rest[..length]) ?? Errno.EIO;
            if (result != Errno.None)
            {
                return result;
            }

            done += length;
        }

        return Errno.None;
    }

    /// <summary>
    /// DMA_MAP: a window with an fd is mapped (read-only unless the device may write), one without
    /// is served with DMA messages; an overlap is EEXIST (the spec's errno), more than
    /// <c>max_dma_maps</c> windows ENOSPC, flags beyond read and write EINVAL.
    /// </summary>
    private void DmaMap(in VfioUserHeader request, ReadOnlySpan<byte> payload, FileDescriptorHandle?[] fds)
    {
        if (!VfioUserDmaMap.TryRead(payload, out VfioUserDmaMap map, out Errno error)
            || (map.Flags & ~(VfioUserDmaMapFlags.Read | VfioUserDmaMapFlags.Write)) != 0)
        {
            Fail(request, Errno.EINVAL);
            return;
        }

        FileDescriptorHandle? file = fds.Length == 1 ? fds[0] : null;
        if (file is not null)
        {
            fds[0] = null;
        }

        error = _windows.Add(map, file, _answer?.MaxDmaMaps ?? _options.MaxDmaMaps);
        if (error != Errno.None)
        {
            Fail(request, error);
            return;
        }

        Reply(request, []);
    }

    /// <summary>DMA_UNMAP: a window matched exactly (unmapped, its fd closed) or every window with the unmap-all flag; the request is echoed. No match is ENOENT; the old dirty-bitmap scheme is not supported (EINVAL).</summary>
    private void DmaUnmap(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserDmaUnmap.TryRead(payload, out VfioUserDmaUnmap unmap, out _)
            || (unmap.Flags & ~VfioUserDmaUnmapFlags.All) != 0)
        {
            Fail(request, Errno.EINVAL);
            return;
        }

        if (unmap.UnmapAll)
        {
            _windows.RemoveAll();
        }
        else if (!_windows.Remove(unmap.Address, unmap.Size))
        {
            Fail(request, Errno.ENOENT);
            return;
        }

        Reply(request, payload);
    }

    // The whole range inside windows allowing the access, checked before anything is copied or sent.
    private Errno Admit(ulong address, int length, bool write)
    {
        if (length == 0)
        {
            return Errno.None;
        }

        bool wraps = (ulong)length - 1 > ulong.MaxValue - address;
        return !wraps && _windows.Covers(address, (ulong)length, write) ? Errno.None : VfioUserDmaErrno.Fault;
    }
}
