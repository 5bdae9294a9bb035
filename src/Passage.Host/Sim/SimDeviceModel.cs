using Passage.Host.Inventory;
using Passage.Pci;

namespace Passage.Host.Sim;

/// <summary>
/// A simulated device model: what its configuration space holds, which BARs it implements and
/// where its registers live. The simulated host places its BARs and writes their addresses.
/// </summary>
public abstract class SimDeviceModel
{
    /// <summary>The model's name in topology files (e.g. <c>nic-i210</c>).</summary>
    public abstract string Name { get; }

    /// <summary>One line saying what the model is and why the catalogue has it.</summary>
    public abstract string Description { get; }

    /// <summary>Driver a host binds by default (null = none).</summary>
    public abstract string? DefaultDriver { get; }

    /// <summary>Configuration space size: 4096 for PCI Express functions, 256 for conventional ones.</summary>
    public virtual int ConfigSize => ConfigOffsets.ExtendedSize;

    /// <summary>Whether the model is a PCI-to-PCI bridge that can have children.</summary>
    public virtual bool IsBridge => false;

    /// <summary>Whether the topology may choose ACS for this model (ports).</summary>
    public virtual bool HasAcsOption => false;

    /// <summary>Default ACS choice when the topology does not say.</summary>
    public virtual bool DefaultAcs => false;

    /// <summary>The BARs the model implements.</summary>
    public abstract IReadOnlyList<SimBar> Bars { get; }

    /// <summary>Expansion ROM size in bytes (0 = none).</summary>
    public virtual ulong RomSize => 0;

    /// <summary>Where the model's registers live inside its BARs (its documented register map).</summary>
    public virtual IReadOnlyList<RegisterRange> Registers => [];

    /// <summary>Whether Linux quirks the model as unable to reset through PM (e.g. AMD GPUs, <c>NO_PM_RESET</c>).</summary>
    public virtual bool NoPmResetQuirk => false;

    /// <summary>Writes identity, header fields and capabilities; BAR addresses are written by the host.</summary>
    public abstract void Build(ConfigSpaceBuilder config, SimModelOptions options);
}
