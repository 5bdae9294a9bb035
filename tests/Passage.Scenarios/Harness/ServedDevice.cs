using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Passage.Scenarios.Harness;

/// <summary>
/// A lab function exported by <c>passage vfio-user serve</c> running in a child process (a fresh
/// simulated lab of its own, dynamic MSI-X allocation), on a socket in a fresh temporary directory.
/// Ready once the socket file exists and the server has said it is serving; disposing it kills the
/// server and removes the directory.
/// </summary>
internal sealed partial class ServedDevice : IDisposable
{
    /// <summary>How long anything a test waits for may take before it counts as hung (generous: the machine is shared).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private readonly PassageProcess? _server;

    private ServedDevice(string address)
    {
        Address = address;

        // sockaddr_un holds 107 bytes: a short directory under /tmp.
        _directory = Directory.CreateDirectory(Path.Combine("/tmp", "passage-xp-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        SocketPath = Path.Combine(_directory, "device.sock");
        try
        {
            _server = PassageProcess.Start("vfio-user", "serve", "--host", "sim:" + PassageProcess.Lab, "--device", address, "--socket", SocketPath);
            string serving = _server.WaitForError("serving", Patience);
            WaitUntil(() => File.Exists(SocketPath), "the socket file to appear");
            Match bell = DoorbellLine().Match(serving);
            Assert.True(bell.Success, $"the server did not say where its doorbell is: {serving}");
            Doorbell = (int.Parse(bell.Groups[1].Value, CultureInfo.InvariantCulture), ulong.Parse(bell.Groups[2].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The lab address served.</summary>
    public string Address { get; }

    /// <summary>The server's socket.</summary>
    public string SocketPath { get; }

    /// <summary>The <c>passage vfio-user serve</c> process.</summary>
    public PassageProcess Server => _server!;

    /// <summary>The DOORBELL register the server announced: BAR and offset.</summary>
    public (int Bar, ulong Offset) Doorbell { get; }

    /// <summary>Starts serving <paramref name="address"/> of the lab.</summary>
    public static ServedDevice Start(string address) => new(address);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <see cref="Patience"/>.</exception>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {Patience.TotalSeconds} s for {what}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>A guest in this process given the served device.</summary>
    public RemoteGuest Connect() => new(SocketPath, Doorbell);

    /// <summary>
    /// Runs <c>passage vfio-user probe --json</c> against the server and returns the Message Control
    /// bits of MSI-X as the device's own config space holds them (the server's region 7).
    /// </summary>
    public (bool Enabled, bool FunctionMask) ProbeMsix()
    {
        (int code, string output, string error) = PassageProcess.Run(Patience, "vfio-user", "probe", "--socket", SocketPath, "--json");
        Assert.True(code == 0, $"vfio-user probe failed ({code}): {error}");
        using var probe = JsonDocument.Parse(output);
        JsonElement msix = probe.RootElement.GetProperty("config").GetProperty("msix");
        return (msix.GetProperty("enabled").GetBoolean(), msix.GetProperty("functionMask").GetBoolean());
    }

    /// <summary>Kills the server and removes its directory.</summary>
    public void Dispose()
    {
        _server?.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex(@"its doorbell is BAR(\d) \+ 0x([0-9a-fA-F]+)")]
    private static partial Regex DoorbellLine();
}
