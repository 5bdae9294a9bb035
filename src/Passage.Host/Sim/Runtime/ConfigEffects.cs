namespace Passage.Host.Sim.Runtime;

/// <summary>What a configuration write set in motion, beyond storing bits.</summary>
[Flags]
public enum ConfigEffects
{
    /// <summary>Bits stored, nothing else.</summary>
    None = 0,

    /// <summary>Command, MSI or MSI-X control or MSI mask changed: interrupt routing and pending delivery re-evaluated.</summary>
    InterruptRouting = 1,

    /// <summary>Device Control Initiate FLR was written as 1.</summary>
    FunctionLevelReset = 2,

    /// <summary>Advanced Features Control Initiate FLR was written as 1.</summary>
    AdvancedFeaturesReset = 4,

    /// <summary>PMCSR power state changed.</summary>
    PowerState = 8,

    /// <summary>Bridge Control Secondary Bus Reset changed.</summary>
    SecondaryBusReset = 16,
}
