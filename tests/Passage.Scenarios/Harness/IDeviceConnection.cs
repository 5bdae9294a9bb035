using Passage.Host.Devices;
using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>One host device made reachable by an <see cref="IDeviceTransport"/>; disposing it tears the transport down, not the device.</summary>
internal interface IDeviceConnection : IDisposable
{
    /// <summary>The device as the guest's machine sees it.</summary>
    IHostDevice Device { get; }

    /// <summary>Makes the guest's RAM reachable for the device's DMA when the transport has to say so (in-process there is nothing to do).</summary>
    void MapGuestRam(GuestRam ram)
    {
    }
}
