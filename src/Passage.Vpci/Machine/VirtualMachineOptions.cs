using Passage.Host.Sim.Runtime;

namespace Passage.Vpci.Machine;

/// <summary>How a <see cref="VirtualMachine"/> is built.</summary>
public sealed record VirtualMachineOptions
{
    /// <summary>Default RAM size: 64 MiB.</summary>
    public const ulong DefaultRamSize = 64UL << 20;

    /// <summary>Bytes of guest RAM at guest-physical 0: a positive multiple of 4 KiB, at most 2 GiB − 4 KiB (it must stay below the ECAM window).</summary>
    public ulong RamSize { get; init; } = DefaultRamSize;

    /// <summary>The clock <c>clock_step</c> advances (a simulated host's, so device waits and guest time agree); null = the machine keeps its own.</summary>
    public VirtualClock? Clock { get; init; }

    /// <summary>The defaults: 64 MiB of RAM, an own clock.</summary>
    public static VirtualMachineOptions Default { get; } = new();
}
