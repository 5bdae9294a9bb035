using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Host.Sim;
using Passage.VfioUser.Client;
using Passage.VfioUser.Server;
using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>
/// The machine imports the device across a vfio-user socket: a <see cref="VfioUserServer"/>
/// exports the simulated device on a socket in a fresh temporary directory and the machine is
/// given a <see cref="VfioUserClient"/> connected to it. Both ends live in this process, on their
/// own threads; config, region accesses and SET_IRQS travel as messages, BAR pages the client maps
/// from the region fds the server sends, and interrupts as the eventfds the client passes.
/// </summary>
internal sealed class VfioUserTransport : IDeviceTransport
{
    /// <summary>The one instance.</summary>
    public static readonly VfioUserTransport Instance = new();

    private VfioUserTransport()
    {
    }

    /// <inheritdoc />
    public string Name => "vfio-user";

    /// <inheritdoc />
    public IDeviceConnection Connect(SimDevice device)
    {
        // sockaddr_un holds 107 bytes: a short directory under /tmp rather than the test's working directory.
        string directory = Directory.CreateDirectory(Path.Combine("/tmp", "passage-scn-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        VfioUserServer? server = null;
        try
        {
            server = new VfioUserServer(device, Path.Combine(directory, "device.sock"));
            server.Start();
            return new Connection(server, VfioUserClient.Connect(server.SocketPath), directory);
        }
        catch
        {
            server?.Dispose();
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>A server and its one client, in a directory of their own.</summary>
    internal sealed class Connection(VfioUserServer server, VfioUserClient client, string directory) : IDeviceConnection
    {
        private int _disposed;

        public IHostDevice Device => client;

        /// <summary>The server exporting the device.</summary>
        public VfioUserServer Server => server;

        /// <summary>The directory holding the socket file, removed on dispose.</summary>
        public string Directory => directory;

        // The server maps the guest's RAM from its memfd, so device DMA reaches guest memory as on a real host.
        public void MapGuestRam(GuestRam ram)
        {
            using FileDescriptorHandle fd = ram.OpenDescriptor();
            client.MapDma(0, fd, 0, ram.Length);
        }

        // The client first, so the server sees its client leave; the server's dispose then waits for that
        // client's teardown (interrupts disabled, eventfds and DMA windows released) before returning.
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            client.Dispose();
            server.Dispose();
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
