using Passage.Cli.Json;
using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;

namespace Passage.Cli.Devices;

/// <summary>Maps a <see cref="DeviceSnapshot"/> to its JSON shape.</summary>
internal static class DeviceJsonMapper
{
    public static DeviceInfoJson Map(DeviceSnapshot device) => new()
    {
        Address = device.Name,
        Backend = device.Backend,
        Flags = DeviceNames.Flags(device.Info.Flags),
        Regions = [.. device.Regions.Select(Region)],
        Irqs = [.. device.Irqs.Select(Irq)],
        Resettable = device.Resettable,
        Model = device.Model,
        ControlBlock = device.ControlBlock is { } block ? ControlBlock(block) : null,
    };

    private static RegionJson Region(RegionInfo region) => new()
    {
        Index = region.Index,
        Name = DeviceNames.Region(region.Index),
        Size = region.Size,
        Flags = DeviceNames.Flags(region.Flags),
        SparseAreas = [.. region.SparseAreas.Select(a => new SparseAreaJson { Offset = a.Offset, Size = a.Size })],
        MsixMappable = region.MsixMappable,
    };

    private static IrqJson Irq(IrqInfo irq) => new()
    {
        Index = irq.Index,
        Name = DeviceNames.Irq(irq.Index),
        Count = irq.Count,
        Flags = DeviceNames.Flags(irq.Flags),
    };

    private static ControlBlockJson ControlBlock(SimControlBlock block) => new()
    {
        Bar = block.Bar,
        Offset = block.Offset,
        Registers =
        [
            .. block.Registers.Select(r => new RegisterJson
            {
                Name = r.Name,
                Offset = r.Offset,
                Size = r.Size,
                Access = DeviceNames.Access(r.Access),
                Description = r.Description,
            }),
        ],
    };
}
