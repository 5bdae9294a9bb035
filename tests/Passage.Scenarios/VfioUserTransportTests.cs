using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Scenarios.Harness;
using Passage.VfioUser.Client;
using Passage.Vpci.Machine;

namespace Passage.Scenarios;

/// <summary>The vfio-user transport the scenarios run over: a server exporting the device, a client connected to it, and a teardown that leaves nothing behind.</summary>
public sealed class VfioUserTransportTests
{
    [Fact]
    public void Connect_LabNic_DeviceIsAClientOfAServerOnASocketInItsOwnDirectory()
    {
        using var sim = new SimDevice(new SimHost(LabDevices.Lab), PciAddress.Parse(LabDevices.Nic));
        using var connection = (VfioUserTransport.Connection)VfioUserTransport.Instance.Connect(sim);

        VfioUserClient client = Assert.IsType<VfioUserClient>(connection.Device);
        Assert.Equal(connection.Directory, Path.GetDirectoryName(connection.Server.SocketPath));
        Assert.True(File.Exists(connection.Server.SocketPath));
        Assert.Same(sim, connection.Server.Device);
        Assert.True(connection.Server.HasClient);
        Assert.Equal(1, connection.Server.ClientsServed);

        // The client's view is the device's own: region and IRQ info, and config space read over the socket.
        Assert.Equal(sim.Info, client.Info);
        Assert.Equal(sim.GetIrqInfo(VfioIrq.Msix), client.GetIrqInfo(VfioIrq.Msix));
        byte[] expected = new byte[(int)sim.GetRegionInfo(VfioRegion.Config).Size];
        byte[] actual = new byte[expected.Length];
        Assert.Equal(Errno.None, sim.Read(VfioRegion.Config, 0, expected));
        Assert.Equal(Errno.None, client.Read(VfioRegion.Config, 0, actual));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Dispose_MsixEnabledThroughTheClient_DeviceReleasedDirectoryRemovedAndSecondDisposeHarmless()
    {
        using var sim = new SimDevice(new SimHost(LabDevices.Lab), PciAddress.Parse(LabDevices.Nic));
        using var connection = (VfioUserTransport.Connection)VfioUserTransport.Instance.Connect(sim);
        using EventFd vector0 = EventFd.Create();
        byte[] fds = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(fds, vector0.Fd);
        Assert.Equal(0, connection.Device.SetIrqs(VfioIrq.Msix, 0, 1, IrqSetFlags.DataEventfd | IrqSetFlags.ActionTrigger, fds));
        Assert.Equal(VfioIrq.Msix, sim.Interrupts.ActiveIndex);
        Assert.True(sim.Interrupts.IsWired(VfioIrq.Msix, 0));

        connection.Dispose();

        Assert.Equal(-1, sim.Interrupts.ActiveIndex);
        Assert.Equal(0, sim.Interrupts.MsixAllocated);
        Assert.False(Directory.Exists(connection.Directory));
        Assert.False(connection.Server.HasClient);
        connection.Dispose();
        Assert.Equal(Errno.EIO, connection.Device.Read(VfioRegion.Config, 0, new byte[4]));
    }

    [Fact]
    public void MapGuestRam_ServerWritesAndReadsDma_GuestRamHoldsTheBytes()
    {
        using var sim = new SimDevice(new SimHost(LabDevices.Lab), PciAddress.Parse(LabDevices.Nvme));
        using var connection = (VfioUserTransport.Connection)VfioUserTransport.Instance.Connect(sim);
        using var ram = new GuestRam(1 << 20);

        connection.MapGuestRam(ram);

        var window = Assert.Single(connection.Server.DmaWindows);
        Assert.Equal((0UL, ram.Length, true), (window.Address, window.Size, window.IsMapped));
        byte[] written = [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04];
        Assert.Equal(Errno.None, connection.Server.WriteDma(0x8_0000, written));
        byte[] inRam = new byte[written.Length];
        ram.Read(0x8_0000, inRam);
        Assert.Equal(written, inRam);

        ram.Write(0x100, [0x5A, 0xA5]);
        byte[] read = new byte[2];
        Assert.Equal(Errno.None, connection.Server.ReadDma(0x100, read));
        Assert.Equal([0x5A, 0xA5], read);
    }
}
