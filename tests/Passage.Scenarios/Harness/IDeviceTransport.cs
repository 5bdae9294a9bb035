using Passage.Host.Sim;

namespace Passage.Scenarios.Harness;

/// <summary>
/// How a scenario's guest reaches its host device. Every scenario runs over each transport in
/// <see cref="DeviceTransports.All"/>: the same guest behaviour must hold whether the device is
/// called in-process or imported across a socket.
/// </summary>
internal interface IDeviceTransport
{
    /// <summary>The name scenarios are parameterised by.</summary>
    string Name { get; }

    /// <summary>Makes <paramref name="device"/> reachable the way this transport reaches devices; the caller keeps owning the device.</summary>
    IDeviceConnection Connect(SimDevice device);
}
