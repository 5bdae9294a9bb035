using Passage.Host.Devices;
using Passage.Host.Sim;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Cli.Devices;

/// <summary>Everything <c>device info</c> prints, read from an open device before it is closed.</summary>
/// <param name="Address">The function.</param>
/// <param name="Backend"><c>sim</c> or <c>vfio</c>.</param>
/// <param name="Info">Device flags and counts.</param>
/// <param name="Regions">Every region the device reports.</param>
/// <param name="Irqs">Every IRQ index the device reports.</param>
/// <param name="Model">The simulated model's name (sim only).</param>
/// <param name="ControlBlock">The simulated model's control block (sim only, when it has one).</param>
internal sealed record DeviceSnapshot(
    PciAddress Address,
    string Backend,
    DeviceInfo Info,
    IReadOnlyList<RegionInfo> Regions,
    IReadOnlyList<IrqInfo> Irqs,
    string? Model,
    SimControlBlock? ControlBlock)
{
    /// <summary>Whether the device offers a function reset.</summary>
    public bool Resettable => Info.Flags.HasFlag(DeviceFlags.Reset);

    /// <summary>Reads the view of <paramref name="device"/>; the caller still owns and disposes it.</summary>
    public static DeviceSnapshot Take(PciAddress address, IHostDevice device)
    {
        DeviceInfo info = device.Info;
        // A PCI device reports at least the nine fixed regions and five IRQ indexes.
        int regions = Math.Max(info.NumRegions, VfioRegion.PciCount);
        int irqs = Math.Max(info.NumIrqs, VfioIrq.PciCount);
        SimDevice? sim = device as SimDevice;
        return new DeviceSnapshot(
            address,
            sim is null ? "vfio" : "sim",
            info,
            [.. Enumerable.Range(0, regions).Select(device.GetRegionInfo)],
            [.. Enumerable.Range(0, irqs).Select(device.GetIrqInfo)],
            sim?.Function.Model.Name,
            sim?.Function.Model.ControlBlock);
    }
}
