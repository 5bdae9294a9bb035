using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Sim.Runtime;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Server;

/// <summary>Every command a client sends, answered with the exact bytes vfio-user.md §4–§6 lay down, over a real socket to a lab NIC.</summary>
public sealed class VfioUserServerCommandTests
{
    [Fact]
    public void DeviceGetInfo_Nic_PciResettableNineRegionsFiveIrqIndexes()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());

        // argsz 16, flags RESET | PCI, 9 regions, 5 IRQ indexes.
        Assert.Equal("10000000" + "03000000" + "09000000" + "05000000", reply.Hex);
        Assert.Equal((VfioUserMessageFlags.Reply, VfioUserCommand.DeviceGetInfo, 32u), (reply.Header.Flags, reply.Header.Command, reply.Header.MessageSize));
    }

    [Fact]
    public void GetRegionInfo_NicBar0_FirstTheSizeNeededThenSparseCapsAndTheFd()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply first = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0));
        using RawReply second = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 80));

        // argsz 80 needed, READ | WRITE | MMAP without CAPS, index 0, no cap, 1 MiB, offset 0; no fd.
        Assert.Equal("50000000" + "07000000" + "00000000" + "00000000" + "0000100000000000" + "0000000000000000", first.Hex);
        Assert.Empty(first.Fds);

        // The same with CAPS, the chain at 32: sparse mmap v1, 2 areas around the control block's page.
        Assert.Equal(
            "50000000" + "0F000000" + "00000000" + "20000000" + "0000100000000000" + "0000000000000000"
            + "0100" + "0100" + "00000000" + "02000000" + "00000000"
            + "0000000000000000" + "00F0010000000000"
            + "0000020000000000" + "00000E0000000000",
            second.Hex);
        Assert.Single(second.Fds);
    }

    [Fact]
    public void GetRegionInfo_NicBar3_AreasAroundTheMsixTableAndPbaPages()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(3, argsz: 4096));

        Assert.Equal(
            "50000000" + "0F000000" + "03000000" + "20000000" + "0040000000000000" + "0000000000000000"
            + "0100" + "0100" + "00000000" + "02000000" + "00000000"
            + "0010000000000000" + "0010000000000000"
            + "0030000000000000" + "0010000000000000",
            reply.Hex);
        Assert.Single(reply.Fds);
    }

    [Fact]
    public void GetRegionInfo_RegionFd_MappedItShowsTheDevicesBytesBothWays()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.EnableDecoding();
        byte[] pattern = [.. Enumerable.Range(0, 64).Select(i => (byte)(0xA0 ^ i))];
        using (RawReply written = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(0x100, 0, pattern)))
        {
            Assert.Equal(Errno.None, written.Errno);
        }

        using RawReply info = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 80));
        Assert.True(VfioUserRegionInfo.TryRead(info.Payload, out VfioUserRegionInfo region, out _));
        SparseArea area = region.GetSparseArea(0);
        using MappedArea mapping = MappedArea.Map(info.Fds[0], (long)(region.Offset + area.Offset), area.Size, writable: true, area.Offset);

        Assert.Equal(pattern, mapping.Span.Slice(0x100, 64).ToArray());
        "through the map"u8.CopyTo(mapping.Span[0x200..]);
        using RawReply read = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0x200, 0, 15));
        Assert.Equal("through the map"u8.ToArray(), read.Payload[16..]);
    }

    [Fact]
    public void GetRegionInfo_ConfigSpace_ReadWriteNotMappableNoFd()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(VfioRegion.Config, argsz: 4096));

        Assert.Equal("20000000" + "03000000" + "07000000" + "00000000" + "0010000000000000" + "0000000000000000", reply.Hex);
        Assert.Empty(reply.Fds);
    }

    [Fact]
    public void GetRegionInfo_ArgszBetweenHeadAndFull_HeadOnlyWithTheSizeNeeded()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 79));

        Assert.Equal("50000000" + "07000000" + "00000000" + "00000000" + "0000100000000000" + "0000000000000000", reply.Hex);
        Assert.Empty(reply.Fds);
    }

    [Fact]
    public void GetRegionInfo_DeviceWithoutRegionFiles_NothingMappable()
    {
        using var harness = new ServerHarness(export: device => new ForwardingDevice(device));
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(0, argsz: 4096));

        // READ | WRITE only: no MMAP, no capability, and the full reply is the head.
        Assert.Equal("20000000" + "03000000" + "00000000" + "00000000" + "0000100000000000" + "0000000000000000", reply.Hex);
        Assert.Empty(reply.Fds);
    }

    [Theory]
    [InlineData(9u)] // one past the 9 regions
    [InlineData(0xFFFFFFFFu)] // far beyond
    public void GetRegionInfo_IndexBeyondTheRegions_Einval(uint index)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetRegionInfo, Payloads.RegionInfo(index));

        Assert.Equal(Errno.EINVAL, reply.Errno);
        Assert.Empty(reply.Payload);
    }

    [Fact]
    public void GetRegionIoFds_Bar0_CountZeroAndNoFds()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetRegionIoFds, Payloads.RegionIoFds(0, argsz: 4096));

        Assert.Equal("10000000" + "00000000" + "00000000" + "00000000", reply.Hex);
        Assert.Empty(reply.Fds);
    }

    [Theory]
    [InlineData(0)] // INTx
    [InlineData(1)] // MSI
    [InlineData(2)] // MSI-X
    [InlineData(3)] // ERR
    [InlineData(4)] // REQ
    public void GetIrqInfo_EachIndex_TheDevicesFlagsAndCount(int index)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        IrqInfo expected = harness.Device.GetIrqInfo(index);

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetIrqInfo, Payloads.IrqInfo((uint)index));

        Assert.True(VfioUserIrqInfo.TryRead(reply.Payload, out VfioUserIrqInfo info, out _));
        Assert.Equal((16u, expected.Flags, (uint)index, expected.Count), (info.Argsz, info.Flags, info.Index, info.Count));
    }

    [Fact]
    public void GetIrqInfo_MsixOfANoResizeNic_ExactBytes()
    {
        using var harness = new ServerHarness(dynamicMsix: false);
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetIrqInfo, Payloads.IrqInfo(2));

        // EVENTFD | NORESIZE, index 2, 5 vectors.
        Assert.Equal("10000000" + "09000000" + "02000000" + "05000000", reply.Hex);
    }

    [Fact]
    public void GetIrqInfo_IndexBeyondTheIndexes_Einval()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.DeviceGetIrqInfo, Payloads.IrqInfo(5));

        Assert.Equal(Errno.EINVAL, reply.Errno);
    }

    [Fact]
    public void RegionRead_WholeConfigSpace_EqualsTheDevicesOwnRead()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        byte[] expected = new byte[4096];
        Assert.Equal(Errno.None, harness.Device.Read(VfioRegion.Config, 0, expected));

        using RawReply reply = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0, VfioRegion.Config, 4096));

        Assert.Equal("0000000000000000" + "07000000" + "00100000", Convert.ToHexString(reply.Payload, 0, 16));
        Assert.Equal(expected, reply.Payload[16..]);
        Assert.Equal(0x8086, BinaryPrimitives.ReadUInt16LittleEndian(reply.Payload.AsSpan(16))); // the vendor ID leads
    }

    [Fact]
    public void RegionReadAndWrite_LargestTransfers_WholeInOneMessageEach()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.EnableDecoding();

        // 896 KiB written past the control block's page, then all of BAR0 (1 MiB, the transfer limit) read back.
        byte[] pattern = new byte[0xE0000];
        new Random(5).NextBytes(pattern);
        using (RawReply written = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(0x20000, 0, pattern)))
        {
            Assert.Equal(Errno.None, written.Errno);
        }

        using RawReply reply = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0, 0, VfioUserLimits.MaxDataTransfer));

        Assert.Equal((uint)VfioUserLimits.MaxMessageSize, reply.Header.MessageSize);
        byte[] expected = new byte[VfioUserLimits.MaxDataTransfer];
        Assert.Equal(Errno.None, harness.Device.Read(0, 0, expected));
        Assert.Equal(expected, reply.Payload[16..]);
        Assert.Equal(pattern, reply.Payload.AsSpan(16 + 0x20000).ToArray());
    }

    [Theory]
    [InlineData(4096UL, 1u)] // starts at the end
    [InlineData(4000UL, 100u)] // runs past the end
    [InlineData(ulong.MaxValue - 2, 2u)] // far beyond, without wrapping
    public void RegionRead_PastTheRegionsEnd_Einval(ulong offset, uint count)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(offset, VfioRegion.Config, count));

        Assert.Equal(Errno.EINVAL, reply.Errno);
    }

    [Fact]
    public void RegionRead_CountAboveTheNegotiatedTransferSize_Einval()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated(VersionCapabilities.PassageOffer with { MaxDataXferSize = 256 });

        using RawReply refused = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0, VfioRegion.Config, 257));
        using RawReply allowed = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0, VfioRegion.Config, 256));

        Assert.Equal(Errno.EINVAL, refused.Errno);
        Assert.Equal((Errno.None, 16 + 256), (allowed.Errno, allowed.Payload.Length));
    }

    [Fact]
    public void RegionRead_CountZero_HeadAloneWithoutData()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0x40, VfioRegion.Config, 0));

        Assert.Equal("4000000000000000" + "07000000" + "00000000", reply.Hex);
    }

    [Fact]
    public void RegionRead_DeviceRefuses_TheDevicesErrno()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using (RawReply off = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(4, VfioRegion.Config, [0x00, 0x00])))
        {
            Assert.Equal(Errno.None, off.Errno);
        }

        // Memory decoding is off: the device policy refuses BAR access with EIO.
        using RawReply reply = client.Request(VfioUserCommand.RegionRead, Payloads.RegionRead(0, 0, 4));

        Assert.Equal(Errno.EIO, reply.Errno);
    }

    [Fact]
    public void RegionWrite_ScratchRegister_ReachesTheDeviceAndTheHeadIsEchoed()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.EnableDecoding();
        SimControlBlock block = harness.ControlBlock;

        using RawReply reply = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(block.Offset + SimControlBlock.Scratch, (uint)block.Bar, [0x78, 0x56, 0x34, 0x12]));

        Assert.Equal("04F0010000000000" + "00000000" + "04000000", reply.Hex);
        byte[] scratch = new byte[4];
        Assert.Equal(Errno.None, harness.Device.Read(block.Bar, block.Offset + SimControlBlock.Scratch, scratch));
        Assert.Equal(0x12345678u, BinaryPrimitives.ReadUInt32LittleEndian(scratch));
    }

    [Fact]
    public void RegionWrite_ConfigCommand_TheDeviceDecodes()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        client.EnableDecoding();

        byte[] command = new byte[2];
        Assert.Equal(Errno.None, harness.Device.Read(VfioRegion.Config, 4, command));
        Assert.Equal(0x0006, BinaryPrimitives.ReadUInt16LittleEndian(command) & 0x0006);
    }

    [Fact]
    public void RegionWrite_ReadOnlyRegion_Einval()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        // Region 8 (VGA) has no flags at all on the NIC.
        using RawReply reply = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(0, VfioRegion.Vga, [1]));

        Assert.Equal(Errno.EINVAL, reply.Errno);
    }

    [Fact]
    public void RegionWriteMulti_OfferedWriteMultiple_EveryEntryWrittenAndTheCountReplied()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.EnableDecoding();
        SimControlBlock block = harness.ControlBlock;
        VfioUserRegionWriteEntry[] entries =
        [
            VfioUserRegionWriteEntry.Create(0x3C, VfioRegion.Config, [0x0B]), // Interrupt Line
            VfioUserRegionWriteEntry.Create(block.Offset + SimControlBlock.Scratch, (uint)block.Bar, [0xEF, 0xBE, 0xAD, 0xDE]),
        ];
        byte[] payload = new byte[VfioUserRegionWriteMulti.SizeFor(entries.Length)];
        VfioUserRegionWriteMulti.Write(payload, entries);

        using RawReply reply = client.Request(VfioUserCommand.RegionWriteMulti, payload);

        Assert.Equal("0200000000000000", reply.Hex);
        byte[] line = new byte[1], scratch = new byte[4];
        harness.Device.Read(VfioRegion.Config, 0x3C, line);
        harness.Device.Read(block.Bar, block.Offset + SimControlBlock.Scratch, scratch);
        Assert.Equal((0x0B, 0xDEADBEEFu), (line[0], BinaryPrimitives.ReadUInt32LittleEndian(scratch)));
    }

    [Fact]
    public void RegionWriteMulti_NotOffered_EinvalAndNothingWritten()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated(VersionCapabilities.PassageOffer with { WriteMultiple = false });
        byte[] payload = new byte[VfioUserRegionWriteMulti.SizeFor(1)];
        VfioUserRegionWriteMulti.Write(payload, [VfioUserRegionWriteEntry.Create(0x3C, VfioRegion.Config, [0x0B])]);

        using RawReply reply = client.Request(VfioUserCommand.RegionWriteMulti, payload);

        Assert.Equal(Errno.EINVAL, reply.Errno);
        byte[] line = new byte[1];
        harness.Device.Read(VfioRegion.Config, 0x3C, line);
        Assert.NotEqual(0x0B, line[0]);
    }

    [Fact]
    public void DeviceReset_ScratchWritten_ResetClearsItAndIsCounted()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.EnableDecoding();
        SimControlBlock block = harness.ControlBlock;
        using (RawReply written = client.Request(VfioUserCommand.RegionWrite, Payloads.RegionWrite(block.Offset + SimControlBlock.Scratch, (uint)block.Bar, [1, 2, 3, 4])))
        {
            Assert.Equal(Errno.None, written.Errno);
        }

        using RawReply reply = client.Request(VfioUserCommand.DeviceReset, []);

        Assert.Equal((Errno.None, 16u), (reply.Errno, reply.Header.MessageSize));
        Assert.Equal(0UL, harness.Device.Function.ReadBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4));
        Assert.Equal(1UL, harness.Device.Function.ReadBar(block.Bar, block.Offset + SimControlBlock.ResetsPerformed, 4));
    }

    [Theory]
    [InlineData(1u | (1u << 16))] // MIGRATION, GET
    [InlineData(2u | (1u << 17))] // MIG_DEVICE_STATE, SET
    [InlineData(6u | (1u << 18))] // DMA_LOGGING_START, PROBE
    [InlineData(8u | (1u << 16))] // DMA_LOGGING_REPORT, GET
    public void DeviceFeature_AnyFeature_Enotty(uint flags)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        byte[] payload = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), flags);

        using RawReply reply = client.Request(VfioUserCommand.DeviceFeature, payload);

        Assert.Equal(Errno.ENOTTY, reply.Errno);
    }

    [Theory]
    [InlineData(VfioUserCommand.MigDataRead)] // no migration
    [InlineData(VfioUserCommand.MigDataWrite)] // no migration
    [InlineData(VfioUserCommand.DmaRead)] // the server's own command
    [InlineData(VfioUserCommand.DmaWrite)] // the server's own command
    [InlineData(VfioUserCommand.Version)] // only first
    public void Command_NotServed_Einval(VfioUserCommand command)
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();

        using RawReply reply = client.Request(command, new byte[16]);

        Assert.Equal((Errno.EINVAL, command), (reply.Errno, reply.Header.Command));
    }

    [Fact]
    public void NoReply_SucceedingAndFailingCommands_NeitherAnswered()
    {
        using var harness = new ServerHarness();
        using RawClient client = harness.Negotiated();
        client.EnableDecoding();
        SimControlBlock block = harness.ControlBlock;

        client.Post(VfioUserCommand.RegionWrite, Payloads.RegionWrite(block.Offset + SimControlBlock.Scratch, (uint)block.Bar, [9, 0, 0, 0]), noReply: true);
        client.Post(VfioUserCommand.DeviceGetInfo, new byte[3], noReply: true); // malformed: would be EINVAL
        ushort answered = client.Post(VfioUserCommand.DeviceGetInfo, Payloads.DeviceInfo());
        using RawReply reply = client.ReceiveReply()!;

        Assert.Equal((answered, Errno.None), (reply.Header.MessageId, reply.Errno));
        Assert.Equal(9UL, harness.Device.Function.ReadBar(block.Bar, block.Offset + SimControlBlock.Scratch, 4)); // the silent write happened first
    }
}
