using Passage.Host.Devices;
using Passage.VfioUser.Client;
using Passage.VfioUser.Server;

namespace Passage.Bench;

/// <summary>
/// A device exported by a <see cref="VfioUserServer"/> on a socket in a fresh directory under /tmp
/// and imported by a <see cref="VfioUserClient"/> connected to it, both in this process: every
/// client call crosses a real Unix socket to the server's session thread and back.
/// </summary>
internal sealed class VfioUserLoopback : IDisposable
{
    private readonly string _directory;

    /// <summary>Exports <paramref name="device"/> (still the caller's) and connects the client.</summary>
    public VfioUserLoopback(IHostDevice device)
    {
        // /tmp rather than the temp path: a socket path must fit sockaddr_un's 107 bytes.
        _directory = Directory.CreateDirectory(Path.Combine("/tmp", "passage-bench-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        Server = new VfioUserServer(device, Path.Combine(_directory, "device.sock"));
        try
        {
            Server.Start();
            Client = VfioUserClient.Connect(Server.SocketPath);
        }
        catch
        {
            Server.Dispose();
            Directory.Delete(_directory, recursive: true);
            throw;
        }
    }

    public VfioUserServer Server { get; }

    /// <summary>The device as the client imports it.</summary>
    public VfioUserClient Client { get; }

    /// <summary>Closes the client, then stops the server (which waits for the session's teardown), then removes the directory.</summary>
    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
