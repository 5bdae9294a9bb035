using System.Buffers;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

internal sealed partial class ServerSession
{
    private static readonly RegionInfo NoRegion = new(0, RegionFlags.None, 0, 0, [], false);

    /// <summary>
    /// One message after VERSION. Fds on a command that takes none are closed and the command
    /// fails EINVAL (vfio-user.md §7); handlers keep the fds they own by clearing their slots, and
    /// whatever is left is closed here. A device failure becomes the failure reply with its errno.
    /// </summary>
    private void Handle(in VfioUserFrame frame, FileDescriptorHandle[] received)
    {
        FileDescriptorHandle?[] fds = received;
        VfioUserHeader request = frame.Header;
        try
        {
            if (request.IsReply)
            {
                // Only a client without twin socket answers here, and only the request in flight.
                if (_dma is { UsesTwinSocket: false } dma && received.Length == 0 && dma.Deliver(frame))
                {
                    return;
                }

                throw new SessionEndException(VfioUserDisconnectReason.ProtocolError, $"the client sent a reply to {Name(request.Command)} #{request.MessageId} that nothing waits for");
            }

            if (VfioUserFdRules.Check(request, received.Length, VfioUserLimits.PassageMaxMsgFds) != Errno.None)
            {
                Fail(request, Errno.EINVAL);
                return;
            }

            Dispatch(request, frame.Payload, fds);
        }
        catch (HostDeviceException e)
        {
            Fail(request, e.Errno);
        }
        finally
        {
            CloseAll(fds);
        }
    }

    private void Dispatch(in VfioUserHeader request, ReadOnlySpan<byte> payload, FileDescriptorHandle?[] fds)
    {
        switch (request.Command)
        {
            case VfioUserCommand.DeviceGetInfo:
                GetDeviceInfo(request, payload);
                break;
            case VfioUserCommand.DeviceGetRegionInfo:
                GetRegionInfo(request, payload);
                break;
            case VfioUserCommand.DeviceGetRegionIoFds:
                GetRegionIoFds(request, payload);
                break;
            case VfioUserCommand.DeviceGetIrqInfo:
                GetIrqInfo(request, payload);
                break;
            case VfioUserCommand.DeviceSetIrqs:
                SetIrqs(request, payload, fds);
                break;
            case VfioUserCommand.RegionRead:
                RegionRead(request, payload);
                break;
            case VfioUserCommand.RegionWrite:
                RegionWrite(request, payload);
                break;
            case VfioUserCommand.RegionWriteMulti:
                RegionWriteMulti(request, payload);
                break;
            case VfioUserCommand.DmaMap:
                DmaMap(request, payload, fds);
                break;
            case VfioUserCommand.DmaUnmap:
                DmaUnmap(request, payload);
                break;
            case VfioUserCommand.DeviceReset:
                DeviceReset(request, payload);
                break;
            case VfioUserCommand.DeviceFeature:
                // Passage implements no feature, migration's included (vfio-user.md §4 notes).
                Fail(request, VfioUserDeviceFeature.TryRead(payload, out _, out Errno malformed) ? Errno.ENOTTY : malformed);
                break;
            default:
                // VERSION again, MIG_DATA_* (no migration) and the server's own DMA_READ / DMA_WRITE.
                Fail(request, Errno.EINVAL);
                break;
        }
    }

    private void GetDeviceInfo(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserDeviceInfo.TryRead(payload, out _, out Errno error))
        {
            Fail(request, error);
            return;
        }

        DeviceInfo info = _device.Info;
        Span<byte> reply = stackalloc byte[VfioUserDeviceInfo.PayloadSize];
        VfioUserDeviceInfo.Reply(info.Flags & (DeviceFlags.Reset | DeviceFlags.Pci), (uint)_regions.Length, (uint)Math.Clamp(info.NumIrqs, 0, VfioUserLimits.MaxIrqIndexes)).Write(reply);
        Reply(request, reply);
    }

    /// <summary>
    /// GET_REGION_INFO (vfio-user.md §5, §8 rule 4): flags, size and offset 0; a mappable region is
    /// described with the sparse mmap capability (the whole region as one area when the device has
    /// no sparse areas), and when the request's argsz holds the capabilities the reply carries the
    /// region's file with the offset set to where the region starts in it. A smaller argsz gets the
    /// head alone with the argsz needed. A device that cannot hand out region files, or a client
    /// that takes no fds, sees no region as mappable.
    /// </summary>
    private void GetRegionInfo(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserRegionInfoRequest.TryRead(payload, out VfioUserRegionInfoRequest query, out Errno error)
            || !TryGetRegion(query.Index, out RegionInfo region, out error))
        {
            Fail(request, error);
            return;
        }

        bool mappable = (region.Flags & RegionFlags.Mmap) != 0
            && _device is IRegionFileSource
            && _connection.Socket.MaxSendFds >= 1
            && region.SparseAreas.Count <= VfioUserLimits.MaxSparseAreas;
        RegionInfo described = region with
        {
            Flags = mappable ? region.Flags : region.Flags & ~RegionFlags.Mmap,
            Offset = 0,
            SparseAreas = mappable ? region.SparseAreas : [],
            MsixMappable = false,
        };
        RegionFile? file = null;
        try
        {
            if (mappable && VfioUserRegionInfo.Fits(query.Argsz, described))
            {
                file = ((IRegionFileSource)_device).OpenRegionFile(region.Index);
                described = described with { Offset = (ulong)file.Offset };
            }

            byte[] reply = new byte[VfioUserRegionInfo.ReplySize(query.Argsz, described)];
            VfioUserRegionInfo.Write(reply, query.Argsz, described);
            Reply(request, reply, file is null ? [] : [file.Descriptor.Fd]);
        }
        finally
        {
            file?.Dispose();
        }
    }

    private void GetRegionIoFds(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserRegionIoFdsRequest.TryRead(payload, out VfioUserRegionIoFdsRequest query, out Errno error)
            || !TryGetRegion(query.Index, out _, out error))
        {
            Fail(request, error);
            return;
        }

        // Passage's devices have no ioeventfds to hand out: count 0, no fds.
        Span<byte> reply = stackalloc byte[VfioUserRegionIoFds.HeadSize];
        int length = VfioUserRegionIoFds.Write(reply, query.Argsz, query.Index, []);
        Reply(request, reply[..length]);
    }

    private void GetIrqInfo(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserIrqInfo.TryRead(payload, out VfioUserIrqInfo query, out Errno error) || !TryGetIrq(query.Index, out IrqInfo info, out error))
        {
            Fail(request, error);
            return;
        }

        Span<byte> reply = stackalloc byte[VfioUserIrqInfo.PayloadSize];
        VfioUserIrqInfo.Reply(info.Flags, query.Index, Math.Min(info.Count, (uint)VfioUserLimits.MaxIrqVectors)).Write(reply);
        Reply(request, reply);
    }

    /// <summary>SET_IRQS: the rules of vfio-user.md §6 against the device's count, then the contract in <see cref="ServerIrqTable"/>.</summary>
    private void SetIrqs(in VfioUserHeader request, ReadOnlySpan<byte> payload, FileDescriptorHandle?[] fds)
    {
        if (!VfioUserSetIrqs.TryRead(payload, out VfioUserSetIrqs message, out Errno error) || !TryGetIrq(message.Index, out IrqInfo info, out error))
        {
            Fail(request, error);
            return;
        }

        error = message.Validate(Math.Min(info.Count, (uint)VfioUserLimits.MaxIrqVectors), fds.Length);
        if (error == Errno.None)
        {
            error = _irqs.Apply((int)message.Index, message.Start, message.Count, message.Flags, message.Data, fds, info);
        }

        if (error != Errno.None)
        {
            Fail(request, error);
            return;
        }

        Reply(request, []);
    }

    /// <summary>REGION_READ: count within <c>max_data_xfer_size</c>, a readable region, inside it; the device's errno fails it.</summary>
    private void RegionRead(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserRegionAccess.TryReadHead(payload, out VfioUserRegionAccess access, out Errno error, (uint)MaxTransfer)
            || !TryGetAccess(access.Region, access.Offset, access.Count, RegionFlags.Read, out error))
        {
            Fail(request, error);
            return;
        }

        int dataAt = VfioUserProtocol.HeaderSize + VfioUserRegionAccess.HeadSize;
        int length = dataAt + (int)access.Count;
        byte[] message = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            // A count of 0 is answered with the head alone, without asking the device.
            Span<byte> data = message.AsSpan(dataAt, (int)access.Count);
            error = data.IsEmpty ? Errno.None : _device.Read((int)access.Region, access.Offset, data);
            if (error != Errno.None)
            {
                Fail(request, error);
                return;
            }

            if (!request.NoReply)
            {
                VfioUserHeader.ForReply(request, length - VfioUserProtocol.HeaderSize).Write(message);
                access.WriteHead(message.AsSpan(VfioUserProtocol.HeaderSize));
                _connection.SendRaw(message.AsSpan(0, length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    private void RegionWrite(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserRegionAccess.TryReadWithData(payload, out VfioUserRegionAccess access, out Errno error, (uint)MaxTransfer)
            || !TryGetAccess(access.Region, access.Offset, access.Count, RegionFlags.Write, out error))
        {
            Fail(request, error);
            return;
        }

        error = access.Data.IsEmpty ? Errno.None : _device.Write((int)access.Region, access.Offset, access.Data);
        if (error != Errno.None)
        {
            Fail(request, error);
            return;
        }

        Span<byte> reply = stackalloc byte[VfioUserRegionAccess.HeadSize];
        new VfioUserRegionAccess(access.Offset, access.Region, access.Count).WriteHead(reply);
        Reply(request, reply);
    }

    /// <summary>
    /// REGION_WRITE_MULTI, only for a client that offered <c>write_multiple</c>: the entries in
    /// order, each checked like a REGION_WRITE; the first that fails stops the rest and fails the
    /// message with its errno (the entries before it are done).
    /// </summary>
    private void RegionWriteMulti(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (_answer is not { WriteMultiple: true } || !VfioUserRegionWriteMulti.TryRead(payload, out VfioUserRegionWriteMulti writes, out Errno error))
        {
            Fail(request, Errno.EINVAL);
            return;
        }

        Span<byte> data = stackalloc byte[VfioUserLimits.WriteMultiMaxEntryData];
        for (int i = 0; i < writes.Count; i++)
        {
            VfioUserRegionWriteEntry entry = writes.GetEntry(i);
            int length = entry.CopyData(data);
            if (!TryGetAccess(entry.Region, entry.Offset, entry.Count, RegionFlags.Write, out error)
                || (error = _device.Write((int)entry.Region, entry.Offset, data[..length])) != Errno.None)
            {
                Fail(request, error);
                return;
            }
        }

        Span<byte> reply = stackalloc byte[VfioUserRegionWriteMulti.HeadSize];
        VfioUserRegionWriteMulti.WriteReply(reply, (ulong)writes.Count);
        Reply(request, reply);
    }

    private void DeviceReset(in VfioUserHeader request, ReadOnlySpan<byte> payload)
    {
        if (!VfioUserEmptyPayload.TryRead(payload, out Errno error))
        {
            Fail(request, error);
            return;
        }

        _device.Reset();
        Reply(request, []);
    }

    private bool TryGetRegion(uint index, out RegionInfo region, out Errno error)
    {
        region = NoRegion;
        if (index >= (uint)_regions.Length)
        {
            error = Errno.EINVAL;
            return false;
        }

        region = _regions[index] ??= _device.GetRegionInfo((int)index);
        error = Errno.None;
        return true;
    }

    // An access of count bytes at offset: a region the device has, with the access's flag, holding the whole range.
    private bool TryGetAccess(uint index, ulong offset, uint count, RegionFlags needed, out Errno error)
    {
        if (!TryGetRegion(index, out RegionInfo region, out error))
        {
            return false;
        }

        bool inside = (region.Flags & needed) != 0 && offset <= region.Size && count <= region.Size - offset;
        error = inside ? Errno.None : Errno.EINVAL;
        return inside;
    }

    private bool TryGetIrq(uint index, out IrqInfo info, out Errno error)
    {
        info = new IrqInfo(0, IrqInfoFlags.None, 0);
        if (index >= (uint)Math.Clamp(_device.Info.NumIrqs, 0, VfioUserLimits.MaxIrqIndexes))
        {
            error = Errno.EINVAL;
            return false;
        }

        info = _device.GetIrqInfo((int)index);
        error = Errno.None;
        return true;
    }
}
