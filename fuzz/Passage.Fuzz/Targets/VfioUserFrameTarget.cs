using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.Fuzz.Targets;

/// <summary>
/// The vfio-user codec under arbitrary bytes: the frame decoder splits the input as a stream of
/// pipelined messages, and every payload reader runs over every accepted frame's payload. Whatever
/// the codec accepts is re-validated the slow way — header fields read byte by byte, the decision
/// recomputed from the spec's rules, accepted payloads written back and compared byte for byte or
/// read again — and any disagreement, or any exception, is a finding.
/// </summary>
public static class VfioUserFrameTarget
{
    /// <summary>The target's name on the command line.</summary>
    public const string Name = "vfio-user";

    private const int HeaderSize = 16;

    private static readonly VfioUserFrameDecoder Decoder = new(VfioUserFrameKinds.Any);

    /// <summary>Runs the input; returns the frames accepted.</summary>
    public static int Run(ReadOnlySpan<byte> input)
    {
        int accepted = 0;
        ReadOnlySpan<byte> rest = input;
        while (true)
        {
            VfioUserDecodeStatus status = Decoder.Decode(rest, out VfioUserFrame frame, out VfioUserFrameError error);
            VfioUserFrameFault expected = rest.Length < HeaderSize ? VfioUserFrameFault.None : ExpectedCloseFault(rest);
            switch (status)
            {
                case VfioUserDecodeStatus.Incomplete:
                    FuzzCheckException.That(rest.Length < HeaderSize || (expected == VfioUserFrameFault.None && U32(rest, 4) > (uint)rest.Length), "incomplete, yet a whole frame or a fatal header is there");
                    return accepted;

                case VfioUserDecodeStatus.Error when error.Action == VfioUserFrameAction.Close:
                    FuzzCheckException.That(expected != VfioUserFrameFault.None && error.Fault == expected, $"closed for {error.Fault}, the rules say {expected}");
                    FuzzCheckException.That(frame.Length == 0 && error.Errno == Errno.None, "a close consumed bytes or carries an errno");
                    return accepted;

                case VfioUserDecodeStatus.Error:
                    FuzzCheckException.That(expected == VfioUserFrameFault.None && error.Fault == VfioUserFrameFault.UnknownCommand && error.Errno == Errno.EINVAL, $"answered {error.Fault} with {error.Errno}");
                    FuzzCheckException.That((U32(rest, 8) & 0xF) == 0 && !IsKnownCommand(U16(rest, 2)), "answered a known command or a reply as unknown");
                    CheckFrame(rest, frame);
                    rest = rest[frame.Length..];
                    break;

                default:
                    FuzzCheckException.That(expected == VfioUserFrameFault.None && IsKnownCommand(U16(rest, 2)), "accepted a frame the rules refuse");
                    CheckFrame(rest, frame);
                    CheckPayload(frame);
                    accepted++;
                    rest = rest[frame.Length..];
                    break;
            }
        }
    }

    /// <summary>The fault that must close a stream carrying both kinds, recomputed from the bytes.</summary>
    private static VfioUserFrameFault ExpectedCloseFault(ReadOnlySpan<byte> bytes)
    {
        uint size = U32(bytes, 4);
        uint type = U32(bytes, 8) & 0xF;
        if (size < HeaderSize)
        {
            return VfioUserFrameFault.SizeBelowHeader;
        }

        if (size > VfioUserLimits.MaxMessageSize)
        {
            return VfioUserFrameFault.SizeAboveLimit;
        }

        return type switch
        {
            0 => VfioUserFrameFault.None,
            1 => IsKnownCommand(U16(bytes, 2)) ? VfioUserFrameFault.None : VfioUserFrameFault.UnknownCommand,
            _ => VfioUserFrameFault.InvalidType,
        };
    }

    private static void CheckFrame(ReadOnlySpan<byte> bytes, VfioUserFrame frame)
    {
        uint size = U32(bytes, 4);
        FuzzCheckException.That(frame.Length == size && size <= (uint)bytes.Length, $"frame of {frame.Length} bytes, size field {size}, {bytes.Length} received");
        FuzzCheckException.That(frame.Payload.SequenceEqual(bytes[HeaderSize..(int)size]), "payload is not the bytes after the header");
        VfioUserHeader h = frame.Header;
        FuzzCheckException.That(h.MessageId == U16(bytes, 0) && (ushort)h.Command == U16(bytes, 2) && (uint)h.Flags == U32(bytes, 8) && h.Error == U32(bytes, 12), "header fields differ from the bytes");
    }

    private static void CheckPayload(VfioUserFrame frame)
    {
        ReadOnlySpan<byte> payload = frame.Payload;
        Span<byte> scratch = new byte[payload.Length + 64];

        if (frame.Header.IsReply && frame.Header.IsError)
        {
            int errno = (int)VfioUserErrorReply.ErrnoOf(frame.Header);
            FuzzCheckException.That(errno is > 0 and <= VfioUserProtocol.MaxErrno, $"error reply read as errno {errno}");
        }

        foreach (int fds in (ReadOnlySpan<int>)[0, 1, 8])
        {
            _ = VfioUserFdRules.Check(frame.Header, fds, VfioUserLimits.PassageMaxMsgFds);
        }

        if (VfioUserDmaMap.TryRead(payload, out VfioUserDmaMap map, out _))
        {
            FuzzCheckException.That(map.Size != 0 && (UInt128)map.Address + map.Size <= ulong.MaxValue, "DMA_MAP range empty or wrapping");
            RoundTrip(payload, scratch, map.Write(scratch), "DMA_MAP");
        }

        if (VfioUserDmaUnmap.TryRead(payload, out VfioUserDmaUnmap unmap, out _))
        {
            RoundTrip(payload, scratch, unmap.Write(scratch), "DMA_UNMAP");
        }

        if (VfioUserDeviceInfo.TryRead(payload, out VfioUserDeviceInfo info, out _))
        {
            RoundTrip(payload, scratch, info.Write(scratch), "DEVICE_GET_INFO");
        }

        if (VfioUserIrqInfo.TryRead(payload, out VfioUserIrqInfo irqInfo, out _))
        {
            RoundTrip(payload, scratch, irqInfo.Write(scratch), "GET_IRQ_INFO");
        }

        if (VfioUserRegionInfoRequest.TryRead(payload, out VfioUserRegionInfoRequest regionRequest, out _))
        {
            FuzzCheckException.That(regionRequest.Argsz == U32(payload, 0) && regionRequest.Argsz >= 32 && regionRequest.Index == U32(payload, 8), "GET_REGION_INFO request fields");
        }

        if (VfioUserRegionIoFdsRequest.TryRead(payload, out VfioUserRegionIoFdsRequest ioFdsRequest, out _))
        {
            RoundTrip(payload, scratch, ioFdsRequest.Write(scratch), "GET_REGION_IO_FDS request");
        }

        CheckRegionInfo(payload);
        CheckIoFds(payload, scratch);
        CheckSetIrqs(payload, scratch);
        CheckAccesses(payload, scratch);
        CheckVersion(payload, scratch);

        if (VfioUserRegionWriteMulti.TryRead(payload, out VfioUserRegionWriteMulti multi, out _))
        {
            for (int i = 0; i < multi.Count; i++)
            {
                VfioUserRegionWriteEntry entry = multi.GetEntry(i);
                FuzzCheckException.That(entry.Count is >= 1 and <= 8, "REGION_WRITE_MULTI entry count");
            }

            var entries = new VfioUserRegionWriteEntry[multi.Count];
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i] = multi.GetEntry(i);
            }

            RoundTrip(payload, scratch, VfioUserRegionWriteMulti.Write(scratch, entries), "REGION_WRITE_MULTI");
        }

        if (VfioUserDeviceFeature.TryRead(payload, out VfioUserDeviceFeature feature, out _))
        {
            RoundTrip(payload, scratch, feature.Write(scratch), "DEVICE_FEATURE");
        }

        if (VfioUserMigrationData.TryRead(payload, out VfioUserMigrationData migration, out _))
        {
            RoundTrip(payload, scratch, migration.Write(scratch), "MIG_DATA");
        }

        FuzzCheckException.That(VfioUserEmptyPayload.TryRead(payload, out _) == payload.IsEmpty, "empty payload check");
    }

    private static void CheckRegionInfo(ReadOnlySpan<byte> payload)
    {
        if (!VfioUserRegionInfo.TryRead(payload, out VfioUserRegionInfo region, out _))
        {
            return;
        }

        for (int i = 0; i < region.SparseAreaCount; i++)
        {
            SparseArea area = region.GetSparseArea(i);
            FuzzCheckException.That((UInt128)area.Offset + area.Size <= region.Size, "sparse area outside the region");
        }

        RegionInfo record = region.ToRegionInfo();
        FuzzCheckException.That(record.SparseAreas.Count == region.SparseAreaCount, "sparse areas lost");
        if (record.SparseAreas.Count > VfioUserLimits.MaxSparseAreas || (record.Flags & RegionFlags.Mmap) == 0)
        {
            return;
        }

        byte[] rewritten = new byte[VfioUserRegionInfo.FullSize(record)];
        int written = VfioUserRegionInfo.Write(rewritten, uint.MaxValue, record);
        FuzzCheckException.That(VfioUserRegionInfo.TryRead(rewritten.AsSpan(0, written), out VfioUserRegionInfo again, out _), "a rewritten region info does not read back");
        FuzzCheckException.That(again.Size == region.Size && again.Offset == region.Offset && again.Index == region.Index && again.HasType == region.HasType, "a rewritten region info differs");
    }

    private static void CheckIoFds(ReadOnlySpan<byte> payload, Span<byte> scratch)
    {
        if (!VfioUserRegionIoFds.TryRead(payload, out VfioUserRegionIoFds fds, out _))
        {
            return;
        }

        FuzzCheckException.That(fds.Stride is 0 or 40 or 48, $"IO_FDS stride {fds.Stride}");
        FuzzCheckException.That(fds.IsTruncated ? payload.Length == 16 : payload.Length == 16 + (fds.EntryCount * fds.Stride), "IO_FDS entries do not fill the payload");
        if (fds.IsTruncated || fds.EntryCount == 0)
        {
            return;
        }

        var entries = new VfioUserIoFdEntry[fds.EntryCount];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = fds.GetEntry(i);
        }

        int written = VfioUserRegionIoFds.Write(scratch, fds.Argsz, fds.Index, entries, fds.Stride);
        FuzzCheckException.That(written == payload.Length, "IO_FDS rewritten to another size");
        FuzzCheckException.That(VfioUserRegionIoFds.TryRead(scratch[..written], out VfioUserRegionIoFds again, out _) && again.EntryCount == entries.Length, "IO_FDS rewritten does not read back");
        for (int i = 0; i < entries.Length; i++)
        {
            FuzzCheckException.That(again.GetEntry(i) == entries[i], "IO_FDS entry changed on the way back");
        }
    }

    private static void CheckSetIrqs(ReadOnlySpan<byte> payload, Span<byte> scratch)
    {
        if (!VfioUserSetIrqs.TryRead(payload, out VfioUserSetIrqs irqs, out _))
        {
            return;
        }

        RoundTrip(payload, scratch, irqs.Write(scratch), "SET_IRQS");
        foreach (uint vectors in (ReadOnlySpan<uint>)[0, 1, 32, 2048])
        {
            if (irqs.Validate(vectors, 0) == Errno.None)
            {
                bool disable = irqs.Count == 0 && irqs.Start == 0;
                FuzzCheckException.That(disable || (ulong)irqs.Start + irqs.Count <= vectors, "SET_IRQS accepted past the index");
                FuzzCheckException.That((irqs.Flags & IrqSetFlags.DataBool) == 0 ? irqs.Data.IsEmpty : irqs.Data.Length == irqs.Count, "SET_IRQS accepted with wrong data bytes");
            }

            Errno withFds = irqs.Validate(vectors, (int)irqs.Count);
            FuzzCheckException.That(withFds == Errno.EINVAL || (irqs.Flags & IrqSetFlags.DataEventfd) != 0 || irqs.Count == 0, "SET_IRQS accepted fds without EVENTFD");
        }
    }

    private static void CheckAccesses(ReadOnlySpan<byte> payload, Span<byte> scratch)
    {
        if (VfioUserRegionAccess.TryReadHead(payload, out VfioUserRegionAccess head, out _))
        {
            FuzzCheckException.That(head.Count <= VfioUserLimits.MaxDataTransfer, "region access beyond the limit");
            RoundTrip(payload, scratch, head.WriteHead(scratch), "REGION access head");
        }

        if (VfioUserRegionAccess.TryReadWithData(payload, out VfioUserRegionAccess region, out _))
        {
            FuzzCheckException.That(region.Count == (uint)region.Data.Length, "region access count differs from its data");
            RoundTrip(payload, scratch, region.Write(scratch), "REGION access");
        }

        if (VfioUserDmaAccess.TryReadHead(payload, out VfioUserDmaAccess dmaHead, out _))
        {
            FuzzCheckException.That(dmaHead.Count <= VfioUserLimits.MaxDataTransfer, "DMA access beyond the limit");
            RoundTrip(payload, scratch, dmaHead.WriteHead(scratch), "DMA access head");
        }

        if (VfioUserDmaAccess.TryReadWithData(payload, out VfioUserDmaAccess dma, out _))
        {
            FuzzCheckException.That(dma.Count == (ulong)dma.Data.Length, "DMA access count differs from its data");
            RoundTrip(payload, scratch, dma.Write(scratch), "DMA access");
        }
    }

    private static void CheckVersion(ReadOnlySpan<byte> payload, Span<byte> scratch)
    {
        if (!VfioUserVersion.TryRead(payload, out VfioUserVersion version, out _))
        {
            return;
        }

        FuzzCheckException.That(version.Json.IndexOf((byte)0) < 0, "VERSION JSON holds a NUL");
        if (!version.Json.IsEmpty || payload.Length == VfioUserVersion.HeadSize)
        {
            RoundTrip(payload, scratch, version.Write(scratch), "VERSION");
        }

        if (!version.TryReadCapabilities(out VersionCapabilities capabilities, out _))
        {
            return;
        }

        FuzzCheckException.That(capabilities.MaxMsgFds is >= 0 and <= VfioUserLimits.MaxMsgFdsBound, "max_msg_fds out of range");
        byte[] json = capabilities.ToJson();
        FuzzCheckException.That(VersionCapabilities.TryParse(json, out VersionCapabilities again, out _) && again == capabilities, "capabilities change on a JSON round trip");
        if (VersionNegotiation.TryAnswer(version.Major, version.Minor, capabilities, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _))
        {
            FuzzCheckException.That(answer!.Minor <= version.Minor && answer.Minor <= VfioUserProtocol.MinorVersion, "answered a higher minor");
            FuzzCheckException.That(answer.Capabilities.MaxDataXferSize <= capabilities.MaxDataXferSize && (answer.Capabilities.PgSizes & ~capabilities.PgSizes) == 0, "answer is not a subset of the offer");
            FuzzCheckException.That(answer.SendsTwinSocket == capabilities.TwinSocket is { Supported: true }, "twin socket answered without an offer");
        }
    }

    private static void RoundTrip(ReadOnlySpan<byte> payload, Span<byte> scratch, int written, string what) =>
        FuzzCheckException.That(written == payload.Length && scratch[..written].SequenceEqual(payload), $"{what} written back differs from what was read");

    private static bool IsKnownCommand(ushort command) => command is (>= 1 and <= 13) or (>= 15 and <= 18);

    private static ushort U16(ReadOnlySpan<byte> bytes, int at) => (ushort)(bytes[at] | (bytes[at + 1] << 8));

    private static uint U32(ReadOnlySpan<byte> bytes, int at) =>
        bytes[at] | ((uint)bytes[at + 1] << 8) | ((uint)bytes[at + 2] << 16) | ((uint)bytes[at + 3] << 24);
}
