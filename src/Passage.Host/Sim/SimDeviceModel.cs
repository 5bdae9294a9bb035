using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;

namespace Passage.Host.Sim;

/// <summary>
/// A simulated device model as data: what its configuration space holds, which BARs it
/// implements and where its registers live. The simulated host places its BARs and writes their
/// addresses; <see cref="Build"/> writes everything else.
/// </summary>
public sealed class SimDeviceModel
{
    /// <summary>The model's name in topology files (e.g. <c>nic-i210</c>).</summary>
    public required string Name { get; init; }

    /// <summary>One line saying what the model is and why the catalogue has it.</summary>
    public required string Description { get; init; }

    /// <summary>Driver a host binds by default (null = none).</summary>
    public string? DefaultDriver { get; init; }

    /// <summary>Configuration space size: 4096 for PCI Express functions, 256 for conventional ones.</summary>
    public int ConfigSize { get; init; } = ConfigOffsets.ExtendedSize;

    /// <summary>Whether the model is a PCI-to-PCI bridge that can have children.</summary>
    public bool IsBridge { get; init; }

    /// <summary>Whether the topology may choose ACS for this model (ports).</summary>
    public bool HasAcsOption { get; init; }

    /// <summary>Default ACS choice when the topology does not say.</summary>
    public bool DefaultAcs { get; init; }

    /// <summary>The BARs the model implements.</summary>
    public IReadOnlyList<SimBar> Bars { get; init; } = [];

    /// <summary>Expansion ROM size in bytes (0 = none).</summary>
    public ulong RomSize { get; init; }

    /// <summary>Where the model's registers live inside its BARs (its documented register map).</summary>
    public IReadOnlyList<RegisterRange> Registers { get; init; } = [];

    /// <summary>Where the simulation control block (doorbell, scratch, counters) lives, or null (bridges, functions without BARs).</summary>
    public SimControlBlock? ControlBlock { get; init; }

    /// <summary>Whether Linux quirks the model as unable to reset through PM (e.g. AMD GPUs, <c>NO_PM_RESET</c>).</summary>
    public bool NoPmResetQuirk { get; init; }

    /// <summary>Writes identity, header fields and capabilities; BAR addresses are written by the host.</summary>
    public required Action<ConfigSpaceBuilder, SimModelOptions> Build { get; init; }
}
