using Passage.Host.Devices;

namespace Passage.Scenarios.Harness;

/// <summary>One host device made reachable by an <see cref="IDeviceTransport"/>; disposing it tears the transport down, not the device.</summary>
internal interface IDeviceConnection : IDisposable
{
    /// <summary>The device as the guest's machine sees it.</summary>
    IHostDevice Device { get; }
}
