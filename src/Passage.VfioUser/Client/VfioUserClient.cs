using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Transport;

namespace Passage.VfioUser.Client;

/// <summary>
/// A device on the far side of a vfio-user socket, used through the same contract as a kernel VFIO
/// device or a simulated one (vfio-user.md §10, host-device.md §1). Connecting negotiates VERSION
/// (with a twin socket for the server's DMA messages when the server grants one), then reads the
/// device, region and IRQ info once and caches it. Region accesses are REGION_READ/REGION_WRITE
/// on the calling thread, one request in flight; mappable regions are mapped from the fd the server
/// sent; SET_IRQS is split as the protocol's fd limit requires; DMA windows go to the server with
/// their fd, or are served from client memory through DMA_READ/DMA_WRITE.
/// </summary>
/// <remarks>
/// When the server closes the connection or breaks the protocol the client is lost for good:
/// <see cref="Read"/> and <see cref="Write"/> return EIO and every other call throws
/// <see cref="HostDeviceException"/> with EIO; <see cref="LostReason"/> says why and <see cref="Lost"/>
/// is raised once, on a thread-pool thread. <see cref="Info"/> keeps answering from the cache.
/// </remarks>
public sealed class VfioUserClient : IHostDevice, IRegionFileSource
{
    // Region info larger than this (head, sparse areas, type and unknown capabilities) is not asked for.
    private const uint MaxRegionInfoSize = 64 * 1024;

    private readonly RequestChannel _channel;
    private readonly TwinSocketServer? _twin;
    private readonly DmaWindowTable _windows;
    private readonly ConnectionLoss _loss;
    private readonly RemoteRegion[] _regions;
    private readonly IrqInfo[] _irqs;
    private readonly Lock _controlLock = new();
    private readonly int _readChunk;
    private readonly int _writeChunk;
    private readonly int _sendFds;
    private int _disposed;

    private VfioUserClient(Negotiated negotiated, RequestChannel channel, TwinSocketServer? twin, DmaWindowTable windows, ConnectionLoss loss, DeviceInfo info, RemoteRegion[] regions, IrqInfo[] irqs, VfioUserClientOptions options)
    {
        Name = negotiated.Name;
        Minor = negotiated.Minor;
        ServerCapabilities = negotiated.Capabilities;
        _channel = channel;
        _twin = twin;
        _windows = windows;
        _loss = loss;
        Info = info;
        _regions = regions;
        _irqs = irqs;
        _readChunk = negotiated.ReadChunk;
        _writeChunk = Math.Min(options.MaxWriteSize, negotiated.ReadChunk);
        _sendFds = negotiated.SendFds;
        _loss.OnLost(OnLost);
    }

    /// <summary>Raised once, on a thread-pool thread, when the server is lost (not when the client is disposed).</summary>
    public event EventHandler<VfioUserClientLostEventArgs>? Lost;

    /// <summary>The socket path, or the name given to a connection made elsewhere.</summary>
    public string Name { get; }

    /// <summary>The minor version both sides speak (major 0).</summary>
    public ushort Minor { get; }

    /// <summary>What the server answered in VERSION.</summary>
    public VersionCapabilities ServerCapabilities { get; }

    /// <summary>The server's DMA messages come on a twin socket, served by a thread of their own.</summary>
    public bool UsesTwinSocket => _twin is not null;

    /// <summary>The server is gone (or the client disposed): every call fails with EIO.</summary>
    public bool IsLost => _loss.HasHappened;

    /// <summary>Why the server is lost; null while it is not.</summary>
    public string? LostReason => _loss.Reason;

    /// <summary>The exception that showed the loss, if one did.</summary>
    public Exception? LostCause => _loss.Cause;

    /// <summary>DMA windows mapped and not unmapped.</summary>
    public int DmaWindowCount => _windows.Count;

    /// <summary>The device info read when connecting (answers even after the server is lost).</summary>
    public DeviceInfo Info { get; }

    /// <summary>Connects to the vfio-user server listening at <paramref name="socketPath"/> and reads what the device is.</summary>
    /// <exception cref="HostDeviceException">
    /// EBUSY: the device is in use by another client. EINVAL: the server answered VERSION with terms
    /// this client cannot accept (the connection is closed). EIO: the server closed the connection or
    /// broke the protocol. Others: connecting failed (ECONNREFUSED, ENOENT, …) or the server refused a query.
    /// </exception>
    public static VfioUserClient Connect(string socketPath, VfioUserClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        UnixSocket socket;
        try
        {
            socket = UnixSocket.Connect(socketPath);
        }
        catch (TransportException e)
        {
            throw new HostDeviceException(e.Errno, $"cannot connect to the vfio-user server at {socketPath}: {e.Message}");
        }

        return Connect(socket, options, socketPath);
    }

    /// <summary>Runs the client over a socket already connected to a vfio-user server (the client owns it from now on, and closes it on failure).</summary>
    /// <exception cref="HostDeviceException">As <see cref="Connect(string, VfioUserClientOptions?)"/>.</exception>
    public static VfioUserClient Connect(UnixSocket socket, VfioUserClientOptions? options = null, string name = "vfio-user server")
    {
        ArgumentNullException.ThrowIfNull(socket);
        options ??= VfioUserClientOptions.Default;
        var loss = new ConnectionLoss();
        var channel = new RequestChannel(socket, loss);
        loss.OnLost((_, _) => channel.Dispose());
        var windows = new DmaWindowTable();
        TwinSocketServer? twin = null;
        var regions = new List<RemoteRegion>();
        try
        {
            Negotiated negotiated = Negotiate(channel, loss, name, out FileDescriptorHandle? twinEnd);
            if (twinEnd is not null)
            {
                twin = StartTwin(twinEnd, windows, loss, name);
            }
            else
            {
                channel.ServeDmaInline(windows);
            }

            channel.Socket.MaxSendFds = negotiated.SendFds;
            DeviceInfo info = QueryDeviceInfo(channel, loss, name);
            for (int index = 0; index < info.NumRegions; index++)
            {
                regions.Add(QueryRegion(channel, loss, name, index));
            }

            var irqs = new IrqInfo[info.NumIrqs];
            for (int index = 0; index < irqs.Length; index++)
            {
                irqs[index] = QueryIrq(channel, loss, name, index);
            }

            return new VfioUserClient(negotiated, channel, twin, windows, loss, info, [.. regions], irqs, options);
        }
        catch
        {
            loss.Record("connecting failed");
            twin?.Dispose();
            channel.Dispose();
            foreach (RemoteRegion region in regions)
            {
                region.File?.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc/>
    public RegionInfo GetRegionInfo(int index) => RegionOf(index).Info;

    /// <summary>
    /// Reads <paramref name="data"/>.Length bytes with REGION_READs of at most the server's
    /// <c>max_data_xfer_size</c>. Returns the server's errno (never throws); EIO once the server is
    /// lost; nothing is sent for an empty span. Allocates nothing.
    /// </summary>
    public Errno Read(int region, ulong offset, Span<byte> data)
    {
        Errno check = CheckAccess(region, offset, data.Length);
        if (check != Errno.None)
        {
            return check;
        }

        lock (_channel.Lock)
        {
            for (int done = 0; done < data.Length;)
            {
                int count = Math.Min(_readChunk, data.Length - done);
                ulong at = offset + (ulong)done;
                new VfioUserRegionAccess(at, (uint)region, (uint)count).WriteHead(_channel.Payload(VfioUserRegionAccess.HeadSize));
                Errno errno = _channel.Exchange(VfioUserCommand.RegionRead, VfioUserRegionAccess.HeadSize, default, out VfioUserFrame reply, out _);
                if (errno != Errno.None)
                {
                    return errno;
                }

                if (!VfioUserRegionAccess.TryReadWithData(reply.Payload, out VfioUserRegionAccess access, out _)
                    || access.Offset != at || access.Region != (uint)region || access.Count != (uint)count)
                {
                    return _channel.Broken($"the REGION_READ reply does not carry the {count} bytes asked for at 0x{at:x} of region {region}");
                }

                access.Data.CopyTo(data.Slice(done, count));
                done += count;
            }
        }

        return Errno.None;
    }

    /// <summary>
    /// Writes <paramref name="data"/> with REGION_WRITEs of at most 32 KiB of data each (vfio-user.md
    /// §8 rule 2; <see cref="VfioUserClientOptions.MaxWriteSize"/>). Returns the server's errno (never
    /// throws); EIO once the server is lost; nothing is sent for an empty span. A failure after the
    /// first piece leaves the pieces before it written. Allocates nothing.
    /// </summary>
    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        Errno check = CheckAccess(region, offset, data.Length);
        if (check != Errno.None)
        {
            return check;
        }

        lock (_channel.Lock)
        {
            for (int done = 0; done < data.Length;)
            {
                int count = Math.Min(_writeChunk, data.Length - done);
                ulong at = offset + (ulong)done;
                var request = new VfioUserRegionAccess(at, (uint)region, data.Slice(done, count));
                int length = request.Write(_channel.Payload(request.PayloadSize));
                Errno errno = _channel.Exchange(VfioUserCommand.RegionWrite, length, default, out VfioUserFrame reply, out _);
                if (errno != Errno.None)
                {
                    return errno;
                }

                if (!VfioUserRegionAccess.TryReadHead(reply.Payload, out VfioUserRegionAccess access, out _)
                    || access.Offset != at || access.Region != (uint)region || access.Count != (uint)count)
                {
                    return _channel.Broken($"the REGION_WRITE reply does not echo the {count} bytes written at 0x{at:x} of region {region}");
                }

                done += count;
            }
        }

        return Errno.None;
    }

    // EIO once the server is lost; EINVAL for a region it does not have or a range that wraps.
    private Errno CheckAccess(int region, ulong offset, int length) =>
        _loss.HasHappened ? Errno.EIO
        : (uint)region >= (uint)_regions.Length || offset > ulong.MaxValue - (ulong)length ? Errno.EINVAL
        : Errno.None;

    /// <summary>Maps sparse area <paramref name="area"/> of a region (area 0 = the whole region when it has none) from the fd the server sent, shared.</summary>
    /// <exception cref="HostDeviceException">EINVAL: no such region or area, or the server sent no fd for it; EIO: the server is lost.</exception>
    public IMappedArea Map(int region, int area)
    {
        RemoteRegion remote = MappableRegion(region);
        RegionInfo info = remote.Info;
        SparseArea sparse;
        if (info.SparseAreas.Count == 0 && area == 0)
        {
            sparse = new SparseArea(0, info.Size);
        }
        else if (area >= 0 && area < info.SparseAreas.Count)
        {
            sparse = info.SparseAreas[area];
        }
        else
        {
            throw new HostDeviceException(Errno.EINVAL, $"region {region} of {Name} has no mappable area {area}");
        }

        ulong fileOffset = info.Offset + sparse.Offset;
        if (fileOffset < info.Offset || fileOffset > long.MaxValue)
        {
            throw new HostDeviceException(Errno.EINVAL, $"area {area} of region {region} of {Name} lies beyond any file offset");
        }

        return MappedArea.Map(remote.File!, (long)fileOffset, sparse.Size, writable: (info.Flags & RegionFlags.Write) != 0, sparse.Offset);
    }

    /// <inheritdoc/>
    public RegionFile OpenRegionFile(int region)
    {
        RemoteRegion remote = MappableRegion(region);
        if (remote.Info.Offset > long.MaxValue)
        {
            throw new HostDeviceException(Errno.EINVAL, $"region {region} of {Name} starts beyond any file offset");
        }

        return new RegionFile(remote.File!.Duplicate(), (long)remote.Info.Offset);
    }

    /// <inheritdoc/>
    public IrqInfo GetIrqInfo(int index)
    {
        ThrowIfLost();
        if ((uint)index >= (uint)_irqs.Length)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{Name} has no IRQ index {index}");
        }

        return _irqs[index];
    }

    /// <summary>
    /// DEVICE_SET_IRQS. DATA_NONE and DATA_BOOL go whole in one message. DATA_EVENTFD goes as
    /// messages over contiguous sub-ranges in ascending order: runs of eventfds, at most the server's
    /// <c>max_msg_fds</c> (and 8) per message, and runs of −1 entries, each one message without fds
    /// (which de-assigns them). The first failure reply stops the rest and is thrown. Always returns
    /// 0: vfio-user has no positive return; a server short of vectors answers ENOSPC.
    /// </summary>
    /// <exception cref="HostDeviceException">The server's errno; EINVAL for data that does not match the flags; EIO: the server is lost.</exception>
    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        ThrowIfLost();
        IrqSetFlags kind = flags & IrqSetFlags.DataMask;
        if (index < 0 || count > VfioUserLimits.MaxIrqVectors)
        {
            throw new HostDeviceException(Errno.EINVAL, $"SET_IRQS of index {index} with {count} vectors is out of range");
        }

        int expected = kind switch
        {
            IrqSetFlags.DataBool => (int)count,
            IrqSetFlags.DataEventfd => (int)count * sizeof(int),
            _ => 0,
        };
        if (data.Length != expected)
        {
            throw new HostDeviceException(Errno.EINVAL, $"SET_IRQS with {flags} for {count} vectors carries {data.Length} bytes of data, not {expected}");
        }

        lock (_controlLock)
        {
            if (kind != IrqSetFlags.DataEventfd || count == 0)
            {
                SendSetIrqs(index, start, count, flags, kind == IrqSetFlags.DataBool ? data : default, default);
                return 0;
            }

            int[] fds = new int[count];
            for (int i = 0; i < fds.Length; i++)
            {
                fds[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(i * sizeof(int))..]);
            }

            for (int first = 0; first < fds.Length;)
            {
                bool wired = fds[first] >= 0;
                if (wired && _sendFds == 0)
                {
                    throw new HostDeviceException(Errno.EINVAL, $"{Name} takes no fds with a message, so no eventfd can be wired");
                }

                int run = 1;
                while (first + run < fds.Length && (fds[first + run] >= 0) == wired && (!wired || run < _sendFds))
                {
                    run++;
                }

                SendSetIrqs(index, start + (uint)first, (uint)run, flags, default, wired ? fds.AsSpan(first, run) : default);
                first += run;
            }
        }

        return 0;
    }

    /// <summary>DEVICE_RESET; waits as long as the server takes (there is no timeout).</summary>
    /// <exception cref="HostDeviceException">The server's errno; EIO: the server is lost.</exception>
    public void Reset()
    {
        ThrowIfLost();
        lock (_controlLock)
        {
            lock (_channel.Lock)
            {
                Errno errno = _channel.Exchange(VfioUserCommand.DeviceReset, 0, default, out VfioUserFrame reply, out _);
                ThrowOnFailure(errno, "DEVICE_RESET");
                ExpectEmpty(reply, "DEVICE_RESET");
            }
        }
    }

    /// <summary>vfio-user has no hot reset.</summary>
    /// <exception cref="HostDeviceException">ENOTTY always; EIO once the server is lost.</exception>
    public HotResetInfo GetHotResetInfo()
    {
        ThrowIfLost();
        throw new HostDeviceException(Errno.ENOTTY, $"{Name} is a vfio-user device, which has no hot reset");
    }

    /// <summary>vfio-user has no hot reset.</summary>
    /// <exception cref="HostDeviceException">ENOTTY always; EIO once the server is lost.</exception>
    public void HotReset(HotResetProof proof)
    {
        ThrowIfLost();
        throw new HostDeviceException(Errno.ENOTTY, $"{Name} is a vfio-user device, which has no hot reset");
    }

    /// <summary>Maps <paramref name="memory"/> whole at DMA <paramref name="address"/> with DMA_MAP carrying its fd: the server maps it itself.</summary>
    /// <exception cref="HostDeviceException">EEXIST: the window overlaps one mapped; the server's errno; EIO: the server is lost.</exception>
    public void MapDma(ulong address, MemFdMemory memory, bool writable = true)
    {
        ArgumentNullException.ThrowIfNull(memory);
        using FileDescriptorHandle fd = memory.DuplicateDescriptor();
        MapDma(address, fd, 0, (ulong)memory.Length, writable);
    }

    /// <summary>Maps [<paramref name="offset"/>, + <paramref name="size"/>) of the file <paramref name="fd"/> at DMA <paramref name="address"/> with DMA_MAP carrying the fd (the caller keeps its handle).</summary>
    /// <exception cref="HostDeviceException">EINVAL: empty or wrapping range, or a server that takes no fds; EEXIST: the window overlaps one mapped; the server's errno; EIO: the server is lost.</exception>
    public void MapDma(ulong address, FileDescriptorHandle fd, long offset, ulong size, bool writable = true)
    {
        ArgumentNullException.ThrowIfNull(fd);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ThrowIfLost();
        if (_sendFds == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{Name} takes no fds with a message, so no window can be mapped from a file");
        }

        DmaWindow window = AddWindow(address, size, null, writable);
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            SendDmaMap(window, (ulong)offset, [fd.Fd]);
        }
        catch
        {
            _windows.Remove(window);
            throw;
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Maps a window of <paramref name="size"/> bytes at DMA <paramref name="address"/> with DMA_MAP
    /// without an fd: the server reaches it with DMA_READ/DMA_WRITE, which this client answers from
    /// <paramref name="buffer"/> (DMA_WRITE only when <paramref name="writable"/>).
    /// </summary>
    /// <exception cref="HostDeviceException">EINVAL: empty or wrapping range; EEXIST: the window overlaps one mapped; the server's errno; EIO: the server is lost.</exception>
    public void MapDma(ulong address, ulong size, IDmaBuffer buffer, bool writable = true)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ThrowIfLost();
        DmaWindow window = AddWindow(address, size, buffer, writable);
        try
        {
            SendDmaMap(window, 0, default);
        }
        catch
        {
            _windows.Remove(window);
            throw;
        }
    }

    /// <summary>Maps <paramref name="memory"/> at DMA <paramref name="address"/> without an fd, served through DMA_READ/DMA_WRITE; the caller keeps the memory alive until it is unmapped.</summary>
    /// <exception cref="HostDeviceException">As <see cref="MapDma(ulong, ulong, IDmaBuffer, bool)"/>.</exception>
    public void MapDma(ulong address, Memory<byte> memory, bool writable = true) =>
        MapDma(address, (ulong)memory.Length, new MemoryDmaBuffer(memory), writable);

    /// <summary>DMA_UNMAP of the window mapped exactly at [<paramref name="address"/>, + <paramref name="size"/>); the server releases it before answering.</summary>
    /// <exception cref="HostDeviceException">The server's errno (for example ENOENT for no such window); EIO: the server is lost.</exception>
    public void UnmapDma(ulong address, ulong size)
    {
        ThrowIfLost();
        var request = VfioUserDmaUnmap.Create(VfioUserDmaUnmapFlags.None, address, size);
        lock (_channel.Lock)
        {
            request.Write(_channel.Payload(VfioUserDmaUnmap.PayloadSize));
            Errno errno = _channel.Exchange(VfioUserCommand.DmaUnmap, VfioUserDmaUnmap.PayloadSize, default, out VfioUserFrame reply, out _);
            ThrowOnFailure(errno, $"DMA_UNMAP of [0x{address:x}, +0x{size:x})");

            // The spec echoes the request; an empty reply is taken as well.
            if (!reply.Payload.IsEmpty
                && (!VfioUserDmaUnmap.TryRead(reply.Payload, out VfioUserDmaUnmap echo, out _) || echo.Address != address || echo.Size != size))
            {
                _channel.Broken("the DMA_UNMAP reply does not echo the request");
                throw LostException();
            }
        }

        if (_windows.Find(address, size) is DmaWindow window)
        {
            _windows.Remove(window);
        }
    }

    /// <summary>Closes the connection (the server sees its client leave), the twin socket and the region fds; mappings made with <see cref="Map"/> stay valid until disposed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _loss.Record("the client was disposed");
        _channel.Dispose();
        _twin?.Dispose();
        foreach (RemoteRegion region in _regions)
        {
            region.File?.Dispose();
        }
    }

    private static Negotiated Negotiate(RequestChannel channel, ConnectionLoss loss, string name, out FileDescriptorHandle? twinEnd)
    {
        twinEnd = null;
        VersionCapabilities offer = VersionCapabilities.PassageOffer;
        lock (channel.Lock)
        {
            var version = new VfioUserVersion(VfioUserProtocol.MajorVersion, VfioUserProtocol.MinorVersion, offer.ToJson());
            int length = version.Write(channel.Payload(version.PayloadSize));
            Errno errno = channel.Exchange(VfioUserCommand.Version, length, default, out VfioUserFrame reply, out FileDescriptorHandle[] fds);
            if (errno == Errno.EBUSY && !loss.HasHappened)
            {
                throw new HostDeviceException(Errno.EBUSY, $"{name} is in use by another client");
            }

            if (errno != Errno.None)
            {
                throw loss.HasHappened
                    ? new HostDeviceException(Errno.EIO, $"{name} was lost during version negotiation: {loss.Reason}")
                    : new HostDeviceException(errno, $"{name} refused the version offer");
            }

            try
            {
                if (!VfioUserVersion.TryRead(reply.Payload, out VfioUserVersion answer, out _)
                    || !answer.TryReadCapabilities(out VersionCapabilities capabilities, out _)
                    || VersionNegotiation.CheckAnswer(VfioUserProtocol.MinorVersion, offer, answer.Major, answer.Minor, capabilities, fds.Length) != Errno.None)
                {
                    throw new HostDeviceException(Errno.EINVAL, $"{name} answered VERSION with terms this client cannot accept");
                }

                if (capabilities.TwinSocket is { Supported: true, FdIndex: int index })
                {
                    twinEnd = fds[index];
                }

                int readChunk = (int)Math.Min(capabilities.MaxDataXferSize, (ulong)VfioUserLimits.MaxDataTransfer);
                int sendFds = Math.Min(capabilities.MaxMsgFds, VfioUserLimits.PassageMaxMsgFds);
                return new Negotiated(name, answer.Minor, capabilities, readChunk, sendFds);
            }
            finally
            {
                foreach (FileDescriptorHandle fd in fds)
                {
                    if (!ReferenceEquals(fd, twinEnd))
                    {
                        fd.Dispose();
                    }
                }
            }
        }
    }

    private static TwinSocketServer StartTwin(FileDescriptorHandle end, DmaWindowTable windows, ConnectionLoss loss, string name)
    {
        UnixSocket socket;
        try
        {
            socket = UnixSocket.FromDescriptor(end);
        }
        catch (Exception e) when (e is ArgumentException or TransportException)
        {
            end.Dispose();
            throw new HostDeviceException(Errno.EINVAL, $"{name} sent a twin socket that is not a connected stream socket: {e.Message}");
        }

        var twin = new TwinSocketServer(socket, windows, loss, name);
        twin.Start();
        return twin;
    }

    private static DeviceInfo QueryDeviceInfo(RequestChannel channel, ConnectionLoss loss, string name)
    {
        lock (channel.Lock)
        {
            int length = VfioUserDeviceInfo.Request.Write(channel.Payload(VfioUserDeviceInfo.PayloadSize));
            Errno errno = channel.Exchange(VfioUserCommand.DeviceGetInfo, length, default, out VfioUserFrame reply, out _);
            ThrowConnectFailure(errno, loss, name, "DEVICE_GET_INFO");
            if (!VfioUserDeviceInfo.TryRead(reply.Payload, out VfioUserDeviceInfo info, out _))
            {
                channel.Broken("the DEVICE_GET_INFO reply is malformed");
                ThrowConnectFailure(Errno.EIO, loss, name, "DEVICE_GET_INFO");
            }

            return new DeviceInfo(info.Flags, (int)info.NumRegions, (int)info.NumIrqs);
        }
    }

    private static RemoteRegion QueryRegion(RequestChannel channel, ConnectionLoss loss, string name, int index)
    {
        // The first, 32-byte query says how large the full answer is; only the full answer carries
        // the capabilities and the fd (vfio-user.md §8 rule 4).
        (RegionInfo info, FileDescriptorHandle? file, uint needed) = QueryRegionOnce(channel, loss, name, index, VfioUserRegionInfo.HeadSize);
        if (needed > VfioUserRegionInfo.HeadSize && needed <= MaxRegionInfoSize)
        {
            file?.Dispose();
            (info, file, _) = QueryRegionOnce(channel, loss, name, index, needed);
        }

        if ((info.Flags & RegionFlags.Mmap) != 0 && file is not null)
        {
            return new RemoteRegion(info, file);
        }

        // Without its file a region cannot be mapped here: the guest side then traps every access.
        file?.Dispose();
        return new RemoteRegion(info with { Flags = info.Flags & ~RegionFlags.Mmap, SparseAreas = [] }, null);
    }

    private static (RegionInfo Info, FileDescriptorHandle? File, uint Needed) QueryRegionOnce(RequestChannel channel, ConnectionLoss loss, string name, int index, uint argsz)
    {
        lock (channel.Lock)
        {
            int length = new VfioUserRegionInfoRequest(argsz, (uint)index).Write(channel.Payload(VfioUserRegionInfoRequest.PayloadSize));
            Errno errno = channel.Exchange(VfioUserCommand.DeviceGetRegionInfo, length, default, out VfioUserFrame reply, out FileDescriptorHandle[] fds);
            ThrowConnectFailure(errno, loss, name, $"DEVICE_GET_REGION_INFO of region {index}");
            if (!VfioUserRegionInfo.TryRead(reply.Payload, out VfioUserRegionInfo info, out _) || info.Index != (uint)index)
            {
                FileDescriptorHandle.DisposeAll(fds);

                channel.Broken($"the DEVICE_GET_REGION_INFO reply for region {index} is malformed");
                ThrowConnectFailure(Errno.EIO, loss, name, $"DEVICE_GET_REGION_INFO of region {index}");
            }

            return (info.ToRegionInfo(), fds.Length == 1 ? fds[0] : null, info.IsTruncated ? info.Argsz : 0);
        }
    }

    private static IrqInfo QueryIrq(RequestChannel channel, ConnectionLoss loss, string name, int index)
    {
        lock (channel.Lock)
        {
            int length = VfioUserIrqInfo.Request((uint)index).Write(channel.Payload(VfioUserIrqInfo.PayloadSize));
            Errno errno = channel.Exchange(VfioUserCommand.DeviceGetIrqInfo, length, default, out VfioUserFrame reply, out _);
            ThrowConnectFailure(errno, loss, name, $"DEVICE_GET_IRQ_INFO of index {index}");
            if (!VfioUserIrqInfo.TryRead(reply.Payload, out VfioUserIrqInfo info, out _) || info.Index != (uint)index)
            {
                channel.Broken($"the DEVICE_GET_IRQ_INFO reply for index {index} is malformed");
                ThrowConnectFailure(Errno.EIO, loss, name, $"DEVICE_GET_IRQ_INFO of index {index}");
            }

            return new IrqInfo(index, info.Flags, info.Count);
        }
    }

    private static void ThrowConnectFailure(Errno errno, ConnectionLoss loss, string name, string what)
    {
        if (errno == Errno.None)
        {
            return;
        }

        throw loss.HasHappened
            ? new HostDeviceException(Errno.EIO, $"{name} was lost during {what}: {loss.Reason}")
            : new HostDeviceException(errno, $"{name} refused {what}");
    }

    private DmaWindow AddWindow(ulong address, ulong size, IDmaBuffer? buffer, bool writable)
    {
        if (size == 0 || address > ulong.MaxValue - (size - 1))
        {
            throw new HostDeviceException(Errno.EINVAL, $"a DMA window of 0x{size:x} bytes at 0x{address:x} is empty or wraps");
        }

        var window = new DmaWindow(address, size, buffer, writable);
        if (!_windows.TryAdd(window))
        {
            throw new HostDeviceException(Errno.EEXIST, $"the DMA window [0x{address:x}, +0x{size:x}) overlaps one already mapped");
        }

        return window;
    }

    private void SendDmaMap(DmaWindow window, ulong offset, ReadOnlySpan<int> fds)
    {
        VfioUserDmaMapFlags access = VfioUserDmaMapFlags.Read | (window.Writable ? VfioUserDmaMapFlags.Write : VfioUserDmaMapFlags.None);
        var request = VfioUserDmaMap.Create(access, offset, window.Address, window.Size);
        lock (_channel.Lock)
        {
            request.Write(_channel.Payload(VfioUserDmaMap.PayloadSize));
            Errno errno = _channel.Exchange(VfioUserCommand.DmaMap, VfioUserDmaMap.PayloadSize, fds, out VfioUserFrame reply, out _);
            ThrowOnFailure(errno, $"DMA_MAP of [0x{window.Address:x}, +0x{window.Size:x})");
            ExpectEmpty(reply, "DMA_MAP");
        }
    }

    private void SendSetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> boolData, ReadOnlySpan<int> fds)
    {
        var request = new VfioUserSetIrqs(flags, (uint)index, start, count, boolData);
        lock (_channel.Lock)
        {
            int length = request.Write(_channel.Payload(request.PayloadSize));
            Errno errno = _channel.Exchange(VfioUserCommand.DeviceSetIrqs, length, fds, out VfioUserFrame reply, out _);
            ThrowOnFailure(errno, $"SET_IRQS {flags} of index {index} [{start}, +{count})");
            ExpectEmpty(reply, "SET_IRQS");
        }
    }

    private void ExpectEmpty(in VfioUserFrame reply, string what)
    {
        if (!reply.Payload.IsEmpty)
        {
            _channel.Broken($"the {what} reply carries {reply.Payload.Length} bytes, where none belong");
            throw LostException();
        }
    }

    private void ThrowOnFailure(Errno errno, string what)
    {
        if (errno == Errno.None)
        {
            return;
        }

        throw _loss.HasHappened ? LostException() : new HostDeviceException(errno, $"{Name} refused {what}");
    }

    private RemoteRegion RegionOf(int index)
    {
        ThrowIfLost();
        if ((uint)index >= (uint)_regions.Length)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{Name} has no region {index}");
        }

        return _regions[index];
    }

    private RemoteRegion MappableRegion(int index)
    {
        RemoteRegion remote = RegionOf(index);
        if (remote.File is null)
        {
            throw new HostDeviceException(Errno.EINVAL, $"region {index} of {Name} is not mappable");
        }

        return remote;
    }

    private void ThrowIfLost()
    {
        if (_loss.HasHappened)
        {
            throw LostException();
        }
    }

    private HostDeviceException LostException() => new(Errno.EIO, $"{Name} is lost: {_loss.Reason}");

    private void OnLost(string reason, Exception? cause)
    {
        _channel.Dispose();
        _twin?.Shutdown();
        EventHandler<VfioUserClientLostEventArgs>? handler = Lost;
        if (handler is not null && Volatile.Read(ref _disposed) == 0)
        {
            // Raised away from the thread that noticed, which may hold the request lock.
            ThreadPool.QueueUserWorkItem(_ => handler(this, new VfioUserClientLostEventArgs(reason, cause)));
        }
    }

    private sealed record Negotiated(string Name, ushort Minor, VersionCapabilities Capabilities, int ReadChunk, int SendFds);
}
