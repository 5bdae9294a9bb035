using Passage.Host.Devices;
using Passage.Host.Sim;

namespace Passage.Scenarios.Harness;

/// <summary>The machine calls the simulated device directly, in the same process.</summary>
internal sealed class InProcessTransport : IDeviceTransport
{
    /// <summary>The one instance.</summary>
    public static readonly InProcessTransport Instance = new();

    private InProcessTransport()
    {
    }

    /// <inheritdoc />
    public string Name => "in-process";

    /// <inheritdoc />
    public IDeviceConnection Connect(SimDevice device) => new Connection(device);

    // Nothing sits between the machine and the device, so there is nothing to tear down.
    private sealed class Connection(SimDevice device) : IDeviceConnection
    {
        public IHostDevice Device => device;

        public void Dispose()
        {
        }
    }
}
