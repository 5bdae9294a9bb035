using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Tests.Shared;
using Passage.VfioUser.Client;
using Passage.VfioUser.Tests.Server;

namespace Passage.VfioUser.Tests.Client;

/// <summary>
/// The client's hot path against a real <c>VfioUserServer</c> exporting the lab NVMe drive: a warm
/// 4-byte region access allocates nothing on the calling thread (the request is written into the
/// channel's buffer, sent with one <c>sendmsg</c> and the reply read in place; vfio-user.md §4),
/// and every measured access reaches the device.
/// </summary>
public sealed class VfioUserClientHotPathTests
{
    private const int Iterations = 200;

    [Fact]
    public void ReadWrite_WarmFourByteConfigAccessToRealServer_AllocatesNothing()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using VfioUserClient client = VfioUserClient.Connect(harness.Server.SocketPath);
        byte[] ids = new byte[4];
        byte[] line = new byte[4];
        byte[] expectedIds = new byte[4];
        Assert.Equal(Errno.None, harness.Device.Read(VfioRegion.Config, ConfigOffsets.VendorId, expectedIds));
        int failures = 0;

        long read = AllocationMeter.Least(_ => failures += client.Read(VfioRegion.Config, ConfigOffsets.VendorId, ids) == Errno.None ? 0 : 1, Iterations);
        long write = AllocationMeter.Least(
            i =>
            {
                line[0] = (byte)i;
                failures += client.Write(VfioRegion.Config, ConfigOffsets.InterruptLine, line) == Errno.None ? 0 : 1;
            },
            Iterations);

        Assert.Equal(0, read);
        Assert.Equal(0, write);
        Assert.Equal(0, failures);
        Assert.Equal(expectedIds, ids);

        // The last write went through the server to the device's config space.
        byte[] stored = new byte[1];
        Assert.Equal(Errno.None, harness.Device.Read(VfioRegion.Config, ConfigOffsets.InterruptLine, stored));
        Assert.Equal(Iterations, stored[0]);
    }

    [Fact]
    public void ReadWrite_WarmFourByteBarRegisterOnRealServer_AllocatesNothing()
    {
        using var harness = new ServerHarness(ServerHarness.Nvme);
        using VfioUserClient client = VfioUserClient.Connect(harness.Server.SocketPath);
        byte[] command = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(command, (ushort)PciCommand.MemorySpace);
        Assert.Equal(Errno.None, client.Write(VfioRegion.Config, ConfigOffsets.Command, command));
        SimControlBlock block = harness.ControlBlock;
        ulong scratch = block.Offset + SimControlBlock.Scratch;
        byte[] written = new byte[4];
        byte[] read = new byte[4];
        int failures = 0;
        int mismatches = 0;

        long allocated = AllocationMeter.Least(
            i =>
            {
                BinaryPrimitives.WriteUInt32LittleEndian(written, 0x5A00_0000u | (uint)i);
                failures += client.Write(block.Bar, scratch, written) == Errno.None ? 0 : 1;
                failures += client.Read(block.Bar, scratch, read) == Errno.None ? 0 : 1;
                mismatches += read.AsSpan().SequenceEqual(written) ? 0 : 1;
            },
            Iterations);

        Assert.Equal(0, allocated);
        Assert.Equal((0, 0), (failures, mismatches));
        byte[] device = new byte[4];
        Assert.Equal(Errno.None, harness.Device.Read(block.Bar, scratch, device));
        Assert.Equal(0x5A00_0000u | Iterations, BinaryPrimitives.ReadUInt32LittleEndian(device));
    }
}
