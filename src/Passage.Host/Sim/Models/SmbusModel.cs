using Passage.Host.Inventory;
using Passage.Pci;

namespace Passage.Host.Sim.Models;

/// <summary>Intel ICH9 SMBus controller (8086:2930): a host-owned function of 00:1f with no reset method.</summary>
public sealed class SmbusModel : SimDeviceModel
{
    /// <inheritdoc />
    public override string Name => "smbus-ich9";

    /// <inheritdoc />
    public override string Description => "Intel ICH9 SMBus controller (8086:2930), host-owned, no reset method";

    /// <inheritdoc />
    public override string? DefaultDriver => "i801_smbus";

    /// <inheritdoc />
    public override int ConfigSize => ConfigOffsets.ConventionalSize;

    /// <inheritdoc />
    public override IReadOnlyList<SimBar> Bars =>
    [
        new SimBar(0, BarKind.Mem64, 256),
        new SimBar(4, BarKind.Io, 32),
    ];

    /// <inheritdoc />
    public override IReadOnlyList<RegisterRange> Registers => [new RegisterRange(0, 0, 256, "SMBus host registers")];

    /// <inheritdoc />
    public override void Build(ConfigSpaceBuilder config, SimModelOptions options) =>
        config.Identity(0x8086, 0x2930, 0x0C0500, revision: 0x02, multiFunction: options.MultiFunction)
            .Subsystem(0x1028, 0x0869)
            .Interrupt(pin: 3);
}
