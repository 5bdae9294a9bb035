namespace Passage.Host.Sim.Runtime;

/// <summary>Severity of a PCIe error as the function reports it (pci.md §16).</summary>
public enum AerSeverity
{
    /// <summary>Corrected by hardware; logged and counted only.</summary>
    Correctable,

    /// <summary>Uncorrectable, severity bit clear: the link still works.</summary>
    NonFatal,

    /// <summary>Uncorrectable, severity bit set: the link or function is unreliable.</summary>
    Fatal,
}
