using System.Text;
using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.Fuzz.Targets;

/// <summary>
/// The seed corpus of <see cref="VfioUserFrameTarget"/>: one valid message (or a short stream) of
/// every command and reply shape, built with the codec's writers. <c>Passage.Fuzz vfio-user
/// --write-seeds DIR</c> writes them; <c>fuzz/corpus/vfio-user/</c> holds the result.
/// </summary>
public static class VfioUserSeeds
{
    /// <summary>Every seed by file name.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        byte[] offer = VersionCapabilities.PassageOffer.ToJson();
        VersionNegotiation.TryAnswer(0, 2, VersionCapabilities.PassageOffer, VersionCapabilities.PassageOffer, out VersionAnswer? answer, out _);
        byte[] answerJson = answer!.Capabilities.ToJson();
        yield return ("version-command", Command(1, VfioUserCommand.Version, Payload(new VfioUserVersion(0, 2, offer).PayloadSize, b => new VfioUserVersion(0, 2, offer).Write(b))));
        yield return ("version-reply", Reply(1, VfioUserCommand.Version, Payload(new VfioUserVersion(0, 2, answerJson).PayloadSize, b => new VfioUserVersion(0, 2, answerJson).Write(b))));
        yield return ("version-no-json", Command(1, VfioUserCommand.Version, Payload(4, b => new VfioUserVersion(0, 0).Write(b))));
        byte[] qemu = Encoding.UTF8.GetBytes("""{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576,"pgsizes":4096,"max_dma_maps":65535,"write_multiple":true,"migration":{"pgsize":4096,"max_bitmap_size":1048576}}}""");
        yield return ("version-qemu-offer", Command(1, VfioUserCommand.Version, Payload(new VfioUserVersion(0, 0, qemu).PayloadSize, b => new VfioUserVersion(0, 0, qemu).Write(b))));

        yield return ("dma-map", Command(2, VfioUserCommand.DmaMap, Payload(32, b => VfioUserDmaMap.Create(VfioUserDmaMapFlags.Read | VfioUserDmaMapFlags.Write, 0, 0x1_0000_0000, 0x20_0000).Write(b))));
        yield return ("dma-map-reply", Reply(2, VfioUserCommand.DmaMap, []));
        yield return ("dma-unmap", Command(3, VfioUserCommand.DmaUnmap, Payload(24, b => VfioUserDmaUnmap.Create(VfioUserDmaUnmapFlags.None, 0x1_0000_0000, 0x20_0000).Write(b))));
        yield return ("dma-unmap-all-reply", Reply(3, VfioUserCommand.DmaUnmap, Payload(24, b => VfioUserDmaUnmap.Create(VfioUserDmaUnmapFlags.All, 0, 0).Write(b))));

        yield return ("device-get-info", Command(4, VfioUserCommand.DeviceGetInfo, Payload(16, b => VfioUserDeviceInfo.Request.Write(b))));
        yield return ("device-get-info-reply", Reply(4, VfioUserCommand.DeviceGetInfo, Payload(16, b => VfioUserDeviceInfo.Reply(DeviceFlags.Reset | DeviceFlags.Pci, 9, 5).Write(b))));

        var bar0 = new RegionInfo(0, RegionFlags.Read | RegionFlags.Write | RegionFlags.Mmap, 0x4000, 0, [new SparseArea(0, 0x1000), new SparseArea(0x3000, 0x1000)], false, (1u, 2u));
        yield return ("region-info", Command(5, VfioUserCommand.DeviceGetRegionInfo, Payload(32, b => new VfioUserRegionInfoRequest(32, 0).Write(b))));
        yield return ("region-info-reply-head", Reply(5, VfioUserCommand.DeviceGetRegionInfo, Payload(VfioUserRegionInfo.ReplySize(32, bar0), b => VfioUserRegionInfo.Write(b, 32, bar0))));
        yield return ("region-info-reply-caps", Reply(5, VfioUserCommand.DeviceGetRegionInfo, Payload(VfioUserRegionInfo.FullSize(bar0), b => VfioUserRegionInfo.Write(b, 4096, bar0))));

        VfioUserIoFdEntry[] ioFds =
        [
            new(0x100, 4, 0, VfioUserIoFdType.Ioeventfd, 1, 0xCAFE),
            new(0x200, 0, 1, VfioUserIoFdType.ShadowIoeventfd, 0, 7, 2, 0x1000),
        ];
        yield return ("io-fds", Command(6, VfioUserCommand.DeviceGetRegionIoFds, Payload(16, b => new VfioUserRegionIoFdsRequest(16, 0).Write(b))));
        yield return ("io-fds-reply-spec", Reply(6, VfioUserCommand.DeviceGetRegionIoFds, Payload(VfioUserRegionIoFds.FullSize(2, 40), b => VfioUserRegionIoFds.Write(b, 4096, 0, ioFds, 40))));
        yield return ("io-fds-reply-libvfio-user", Reply(6, VfioUserCommand.DeviceGetRegionIoFds, Payload(VfioUserRegionIoFds.FullSize(2, 48), b => VfioUserRegionIoFds.Write(b, 4096, 0, ioFds, 48))));
        yield return ("io-fds-reply-head", Reply(6, VfioUserCommand.DeviceGetRegionIoFds, Payload(16, b => VfioUserRegionIoFds.Write(b, 16, 0, ioFds, 48))));

        yield return ("irq-info", Command(7, VfioUserCommand.DeviceGetIrqInfo, Payload(16, b => VfioUserIrqInfo.Request(2).Write(b))));
        yield return ("irq-info-reply", Reply(7, VfioUserCommand.DeviceGetIrqInfo, Payload(16, b => VfioUserIrqInfo.Reply(IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, 2, 33).Write(b))));

        yield return ("set-irqs-eventfd", Command(8, VfioUserCommand.DeviceSetIrqs, Payload(20, b => new VfioUserSetIrqs(IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger, 2, 0, 4).Write(b))));
        yield return ("set-irqs-bool", Command(8, VfioUserCommand.DeviceSetIrqs, Payload(23, b => new VfioUserSetIrqs(IrqSetFlags.DataBool | IrqSetFlags.ActionTrigger, 2, 1, 3, [1, 0, 1]).Write(b))));
        yield return ("set-irqs-disable", Command(8, VfioUserCommand.DeviceSetIrqs, Payload(20, b => new VfioUserSetIrqs(IrqSetFlags.DataNone | IrqSetFlags.ActionTrigger, 1, 0, 0).Write(b))));

        byte[] data = [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04];
        yield return ("region-read", Command(9, VfioUserCommand.RegionRead, Payload(16, b => new VfioUserRegionAccess(0x10, 7, 4).WriteHead(b))));
        yield return ("region-read-reply", Reply(9, VfioUserCommand.RegionRead, Payload(24, b => new VfioUserRegionAccess(0x10, 7, data).Write(b))));
        yield return ("region-write", Command(10, VfioUserCommand.RegionWrite, Payload(24, b => new VfioUserRegionAccess(0x10, 0, data).Write(b))));
        yield return ("region-write-reply", Reply(10, VfioUserCommand.RegionWrite, Payload(16, b => new VfioUserRegionAccess(0x10, 0, 8).WriteHead(b))));
        yield return ("dma-read", Command(11, VfioUserCommand.DmaRead, Payload(16, b => new VfioUserDmaAccess(0x1_0000_0000, 8).WriteHead(b))));
        yield return ("dma-read-reply", Reply(11, VfioUserCommand.DmaRead, Payload(24, b => new VfioUserDmaAccess(0x1_0000_0000, data).Write(b))));
        yield return ("dma-write", Command(12, VfioUserCommand.DmaWrite, Payload(24, b => new VfioUserDmaAccess(0x1_0000_0000, data).Write(b))));
        yield return ("dma-write-reply", Reply(12, VfioUserCommand.DmaWrite, Payload(16, b => new VfioUserDmaAccess(0x1_0000_0000, 8).WriteHead(b))));
        yield return ("device-reset", Command(13, VfioUserCommand.DeviceReset, []));

        VfioUserRegionWriteEntry[] writes = [VfioUserRegionWriteEntry.Create(0x40, 0, [1, 2, 3, 4]), VfioUserRegionWriteEntry.Create(0x48, 0, [9])];
        yield return ("region-write-multi", Command(15, VfioUserCommand.RegionWriteMulti, Payload(VfioUserRegionWriteMulti.SizeFor(2), b => VfioUserRegionWriteMulti.Write(b, writes))));
        yield return ("region-write-multi-reply", Reply(15, VfioUserCommand.RegionWriteMulti, Payload(8, b => VfioUserRegionWriteMulti.WriteReply(b, 2))));
        yield return ("device-feature", Command(16, VfioUserCommand.DeviceFeature, Payload(8, b => new VfioUserDeviceFeature(16, VfioUserDeviceFeatureFlags.Get | (VfioUserDeviceFeatureFlags)VfioUserDeviceFeatureId.Migration).Write(b))));
        yield return ("mig-data-read", Command(17, VfioUserCommand.MigDataRead, Payload(8, b => new VfioUserMigrationData(4104, 4096).Write(b))));
        yield return ("mig-data-write", Command(18, VfioUserCommand.MigDataWrite, Payload(16, b => new VfioUserMigrationData(16, 8, data).Write(b))));

        yield return ("error-reply", Header(VfioUserErrorReply.For(VfioUserHeader.ForCommand(9, VfioUserCommand.RegionRead, 16), Errno.EINVAL)));
        yield return ("unknown-command", Command(14, (VfioUserCommand)14, [0, 0, 0, 0]));
        yield return ("pipelined", [.. Command(20, VfioUserCommand.DeviceGetInfo, Payload(16, b => VfioUserDeviceInfo.Request.Write(b))), .. Command(21, VfioUserCommand.DeviceReset, []), .. Command(22, VfioUserCommand.RegionRead, Payload(16, b => new VfioUserRegionAccess(0, 7, 64).WriteHead(b)))]);
    }

    private static byte[] Payload(int size, Func<byte[], int> write)
    {
        byte[] payload = new byte[size];
        int written = write(payload);
        return written == size ? payload : payload[..written];
    }

    private static byte[] Command(ushort id, VfioUserCommand command, byte[] payload) =>
        [.. Header(VfioUserHeader.ForCommand(id, command, payload.Length)), .. payload];

    private static byte[] Reply(ushort id, VfioUserCommand command, byte[] payload) =>
        [.. Header(VfioUserHeader.ForReply(VfioUserHeader.ForCommand(id, command, 0), payload.Length)), .. payload];

    private static byte[] Header(VfioUserHeader header)
    {
        byte[] bytes = new byte[VfioUserProtocol.HeaderSize];
        header.Write(bytes);
        return bytes;
    }
}
