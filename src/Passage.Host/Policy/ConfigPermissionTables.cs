using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Policy;

/// <summary>
/// vfio-pci's config-space permission tables as data (host-device.md §2.2–§2.3): the type-0
/// header, each standard and extended capability it exposes, the lengths it exposes them with,
/// and the capabilities it hides. Registers not listed read through from hardware and drop
/// writes — which is all the read-only capabilities (AGP, HyperTransport, SATA; VC, DSN, MFVC,
/// ACS, ARI, ATS, SR-IOV, Multicast, PRI, Resizable BAR, DPA, TPH, LTR) need.
/// </summary>
public static class ConfigPermissionTables
{
    /// <summary>The type-0 header (§2.2).</summary>
    public static readonly FieldPermission[] Header =
    [
        FieldPermission.VirtReadOnly(ConfigOffsets.VendorId, 4),
        new(ConfigOffsets.Command, 2, (uint)PciCommand.InterruptDisable, 0xFFFF),
        new(ConfigOffsets.Status, 2, (uint)PciStatus.CapabilitiesList, 0),
        FieldPermission.HardwareWritable(ConfigOffsets.CacheLineSize, 1),
        FieldPermission.HardwareWritable(ConfigOffsets.LatencyTimer, 1),
        FieldPermission.HardwareWritable(ConfigOffsets.Bist, 1),
        FieldPermission.VirtWritable(ConfigOffsets.Bar0, 4),
        FieldPermission.VirtWritable(ConfigOffsets.Bar0 + 4, 4),
        FieldPermission.VirtWritable(ConfigOffsets.Bar0 + 8, 4),
        FieldPermission.VirtWritable(ConfigOffsets.Bar0 + 12, 4),
        FieldPermission.VirtWritable(ConfigOffsets.Bar0 + 16, 4),
        FieldPermission.VirtWritable(ConfigOffsets.Bar0 + 20, 4),
        FieldPermission.VirtWritable(ConfigOffsets.RomBar, 4),
        FieldPermission.VirtReadOnly(ConfigOffsets.CapabilitiesPointer, 1),
        FieldPermission.VirtWritable(ConfigOffsets.InterruptLine, 1),
        FieldPermission.VirtReadOnly(ConfigOffsets.InterruptPin, 1),
    ];

    /// <summary>Standard capabilities vfio-pci hides: the previous next pointer skips them.</summary>
    public static readonly IReadOnlySet<int> HiddenStandard = new HashSet<int> { 0x00, 0x04, 0x06, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x14 };

    private static readonly Dictionary<int, FieldPermission[]> Standard = new()
    {
        [(int)CapabilityId.PowerManagement] =
        [
            // PME_Support is virtual and forced to 0; PME_En/PME_Status virtual; the D-state bits never reach hardware directly.
            new(PowerManagementCapability.CapabilitiesOffset, 2, PowerManagementCapability.PmeSupportMask, 0),
            new(PowerManagementCapability.ControlStatusOffset, 2, PowerManagementCapability.PmeEnable | PowerManagementCapability.PmeStatus, 0xFFFFu & ~(uint)PowerManagementCapability.PowerStateMask),
        ],
        [(int)CapabilityId.Msi] =
        [
            new(MsiCapability.ControlOffset, 2, 0xFFFF, 0x00FF),
        ],
        [(int)CapabilityId.PciExpress] =
        [
            new(PciExpressCapability.DeviceControlOffset, 2, PciExpressCapability.InitiateFlr | 0x00E0 | 0x7000, 0xFFFFu & ~0x0200u),
            new(PciExpressCapability.DeviceControl2Offset, 2, 0, 0xFFFFu & ~(uint)PciExpressCapability.AriForwardingEnable),
        ],
        [(int)CapabilityId.AdvancedFeatures] =
        [
            new(AdvancedFeaturesCapability.ControlOffset, 1, 0x01, 0x01),
        ],
    };

    private static readonly Dictionary<int, FieldPermission[]> Extended = new()
    {
        [(int)ExtendedCapabilityId.Aer] =
        [
            FieldPermission.HardwareWritable(AerCapability.UncorrectableStatusOffset, 4) with { Write = AerCapability.UncorrectableDefined },
            FieldPermission.HardwareWritable(AerCapability.UncorrectableMaskOffset, 4) with { Write = AerCapability.UncorrectableDefined },
            FieldPermission.HardwareWritable(AerCapability.UncorrectableSeverityOffset, 4) with { Write = AerCapability.UncorrectableDefined },
            FieldPermission.HardwareWritable(AerCapability.CorrectableStatusOffset, 4) with { Write = AerCapability.CorrectableDefined },
            FieldPermission.HardwareWritable(AerCapability.CorrectableMaskOffset, 4) with { Write = AerCapability.CorrectableDefined },
            new(AerCapability.CapabilitiesControlOffset, 4, 0, 0x40 | 0x100),
        ],
        // The kernel's comment means Data Select; its constant is the Data register's low byte. Mirror the code.
        [(int)ExtendedCapabilityId.PowerBudgeting] = [FieldPermission.HardwareWritable(8, 1)],
    };

    /// <summary>Extended capabilities whose every byte writes through to hardware: VSEC and DVSEC.</summary>
    public static readonly IReadOnlySet<int> RawExtended = new HashSet<int> { 0x0B, 0x23 };

    /// <summary>Exposed length of a standard capability, or 0 when vfio-pci hides it.</summary>
    public static int StandardLength(ConfigSpace config, CapabilityEntry entry, CapabilityDecoding? decoded) => entry.Id switch
    {
        _ when HiddenStandard.Contains(entry.Id) || entry.Id > (int)CapabilityId.EnhancedAllocation => 0,
        (int)CapabilityId.PowerManagement => 8,
        (int)CapabilityId.Msi or (int)CapabilityId.MsiX or (int)CapabilityId.PciExpress or (int)CapabilityId.AdvancedFeatures => decoded?.Length ?? 2,
        (int)CapabilityId.VendorSpecific => Math.Max((int)config.Read8(entry.Offset + 2), 2),
        (int)CapabilityId.Vpd => 8,
        (int)CapabilityId.PciX => 8,
        (int)CapabilityId.Sata => 8,
        (int)CapabilityId.Agp => 12,
        (int)CapabilityId.HyperTransport => 4,
        _ => 0,
    };

    /// <summary>Exposed length of an extended capability, or 0 when vfio-pci hides it (not in its length table).</summary>
    public static int ExtendedLength(ConfigSpace config, CapabilityEntry entry, CapabilityDecoding? decoded) => entry.Id switch
    {
        (int)ExtendedCapabilityId.Aer => 0x2C,
        0x02 or 0x09 => 0x10 + (12 * (int)(config.Read32(entry.Offset + 4) & 0x7)), // VC: port VC capability + one entry per extended VC
        (int)ExtendedCapabilityId.DeviceSerialNumber => 12,
        (int)ExtendedCapabilityId.PowerBudgeting => 16,
        0x08 => 0x10, // MFVC
        0x0B => (int)(config.Read32(entry.Offset + 4) >> 20), // VSEC: length in its header
        (int)ExtendedCapabilityId.Acs => 8,
        (int)ExtendedCapabilityId.Ari => 8,
        (int)ExtendedCapabilityId.Ats => 8,
        (int)ExtendedCapabilityId.Sriov => 0x40,
        0x12 => 0x30, // Multicast
        0x13 => 0x10, // PRI
        (int)ExtendedCapabilityId.ResizableBar => decoded?.Length ?? 12,
        0x16 => 0x10, // DPA
        0x17 => 0x0C, // TPH
        (int)ExtendedCapabilityId.Ltr => 8,
        (int)ExtendedCapabilityId.Dvsec => (int)(config.Read32(entry.Offset + 4) >> 20),
        _ => 0,
    };

    /// <summary>The register permissions of a standard capability (beyond its ID/next pair).</summary>
    public static IReadOnlyList<FieldPermission> ForStandard(int id) => Standard.GetValueOrDefault(id) ?? [];

    /// <summary>The register permissions of an extended capability (beyond its header dword).</summary>
    public static IReadOnlyList<FieldPermission> ForExtended(int id) => Extended.GetValueOrDefault(id) ?? [];

    /// <summary>The MSI capability's address and data registers, virtual and writable, for its layout.</summary>
    public static IEnumerable<FieldPermission> MsiMessage(MsiCapability msi)
    {
        yield return FieldPermission.VirtWritable(MsiCapability.AddressOffset, 4);
        if (msi.Is64Bit)
        {
            yield return FieldPermission.VirtWritable(8, 4);
        }

        int data = msi.Is64Bit ? 0xC : 0x8;
        yield return FieldPermission.VirtWritable(data, 2);
        if (msi.HasPerVectorMask)
        {
            yield return FieldPermission.HardwareWritable(data + 4, 4); // mask bits reach hardware; pending is read through
        }
    }
}
