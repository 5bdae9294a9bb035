using Passage.Host.Devices;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.VfioUser.Client;

namespace Passage.Cli.Devices;

/// <summary>Everything <c>device info</c> prints, read from an open device before it is closed.</summary>
/// <param name="Name">The function's address, or the socket of a device imported over vfio-user.</param>
/// <param name="Backend"><c>sim</c>, <c>vfio</c> or <c>vfio-user</c>.</param>
/// <param name="Info">Device flags and counts.</param>
/// <param name="Regions">Every region the device reports.</param>
/// <param name="Irqs">Every IRQ index the device reports.</param>
/// <param name="Model">The simulated model's name (sim only).</param>
/// <param name="ControlBlock">The simulated model's control block (sim only, when it has one).</param>
internal sealed record DeviceSnapshot(
    string Name,
    string Backend,
    DeviceInfo Info,
    IReadOnlyList<RegionInfo> Regions,
    IReadOnlyList<IrqInfo> Irqs,
    string? Model,
    SimControlBlock? ControlBlock)
{
    /// <summary>Whether the device offers a function reset.</summary>
    public bool Resettable => Info.Flags.HasFlag(DeviceFlags.Reset);

    /// <summary>Reads the view of <paramref name="device"/>, called <paramref name="name"/>; the caller still owns and disposes it.</summary>
    public static DeviceSnapshot Take(string name, IHostDevice device)
    {
        DeviceInfo info = device.Info;
        // A PCI device reports at least the nine fixed regions and five IRQ indexes.
        int regions = Math.Max(info.NumRegions, VfioRegion.PciCount);
        int irqs = Math.Max(info.NumIrqs, VfioIrq.PciCount);
        SimDevice? sim = device as SimDevice;
        return new DeviceSnapshot(
            name,
            sim is not null ? "sim" : device is VfioUserClient ? "vfio-user" : "vfio",
            info,
            [.. Enumerable.Range(0, regions).Select(device.GetRegionInfo)],
            [.. Enumerable.Range(0, irqs).Select(device.GetIrqInfo)],
            sim?.Function.Model.Name,
            sim?.Function.Model.ControlBlock);
    }
}
