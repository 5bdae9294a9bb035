using Passage.Pci;

namespace Passage.Host.Policy;

/// <summary>What a config write asks of the device policy beyond bytes: resets, power changes, MSI state.</summary>
public interface IConfigPolicyEvents
{
    /// <summary>Whether MSI was enabled through SET_IRQS (config space alone can never enable it).</summary>
    bool MsiEnabled { get; }

    /// <summary>MSI vectors allocated through SET_IRQS (Multiple Message Enable is clamped to it).</summary>
    int MsiVectorsAllocated { get; }

    /// <summary>The user wrote Command; called after the write reached hardware.</summary>
    void CommandWritten(PciCommand previous, PciCommand current);

    /// <summary>The user initiated a function-level reset (PCIe Device Control or AF Control).</summary>
    void FunctionLevelResetRequested();

    /// <summary>The user wrote a D-state into PMCSR (0 = D0 … 3 = D3hot).</summary>
    void PowerStateRequested(int state);
}
