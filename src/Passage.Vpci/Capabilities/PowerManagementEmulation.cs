using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Function;

namespace Passage.Vpci.Capabilities;

/// <summary>
/// Power Management as the guest sees it (vpci.md §4.1): PMC from the host with PME_Support
/// forced to 0; PMCSR fully virtual — the D-state stored and read back, PME_En and PME_Status 0,
/// No_Soft_Reset from the host. Nothing reaches the host, which stays in D0: host power is host
/// policy, and a mapped BAR of a device in D3 must never be touched.
/// </summary>
internal sealed class PowerManagementEmulation
{
    private readonly uint _noSoftReset;
    private uint _powerState;

    private PowerManagementEmulation(uint noSoftReset) => _noSoftReset = noSoftReset;

    /// <summary>The D-state the guest last wrote (0 = D0 … 3 = D3hot).</summary>
    public int PowerState => (int)_powerState;

    /// <summary>Registers the capability body at <paramref name="offset"/>.</summary>
    public static PowerManagementEmulation Register(ConfigSpace host, int offset, RegisterGroup group)
    {
        uint pmc = host.Read16(offset + PowerManagementCapability.CapabilitiesOffset);
        var pm = new PowerManagementEmulation((uint)(host.Read16(offset + PowerManagementCapability.ControlStatusOffset) & PowerManagementCapability.NoSoftReset));
        group.AddConstant(offset + PowerManagementCapability.CapabilitiesOffset, 2, pmc & ~(uint)PowerManagementCapability.PmeSupportMask);
        group.Add(new RegisterDescriptor
        {
            Offset = offset + PowerManagementCapability.ControlStatusOffset,
            Size = 4,
            Read = (_, _) => pm._powerState | pm._noSoftReset,
            Write = (_, value, _) => pm._powerState = value & PowerManagementCapability.PowerStateMask,
            ReadOnly = ~(uint)PowerManagementCapability.PowerStateMask,
        });
        return pm;
    }

    /// <summary>Back to D0 (virtual FLR).</summary>
    public void ResetToInitial() => _powerState = 0;
}
