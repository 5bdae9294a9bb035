using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// AMD Radeon RX 580 (Polaris 10, 1002:67df), function 0 of a GPU + HDMI audio pair: no FLR,
/// PM reset quirked off (AMD VGA), so only a bus reset reaches it, and that also resets its audio
/// function. Implements ACS, so each function gets an IOMMU group of its own.
/// </summary>
public sealed class GpuModel : SimDeviceModel
{
    /// <inheritdoc />
    public override string Name => "gpu-polaris";

    /// <inheritdoc />
    public override string Description => "AMD Radeon RX 580 (1002:67df): no FLR, PM reset quirked off, bus reset only";

    /// <inheritdoc />
    public override string? DefaultDriver => "amdgpu";

    /// <inheritdoc />
    public override IReadOnlyList<SimBar> Bars =>
    [
        new SimBar(0, BarKind.Mem64, 256UL * 1024 * 1024, Prefetchable: true),
        new SimBar(2, BarKind.Mem64, 2 * 1024 * 1024, Prefetchable: true),
        new SimBar(4, BarKind.Io, 256),
        new SimBar(5, BarKind.Mem32, 256 * 1024),
    ];

    /// <inheritdoc />
    public override ulong RomSize => 128 * 1024;

    /// <inheritdoc />
    public override IReadOnlyList<RegisterRange> Registers =>
    [
        new RegisterRange(0, 0, 256UL * 1024 * 1024, "VRAM aperture"),
        new RegisterRange(2, 0, 2 * 1024 * 1024, "doorbell aperture"),
        new RegisterRange(5, 0, 256 * 1024, "MMIO registers"),
    ];

    /// <inheritdoc />
    public override bool NoPmResetQuirk => true;

    /// <inheritdoc />
    public override void Build(ConfigSpaceBuilder config, SimModelOptions options) =>
        config.Identity(0x1002, 0x67DF, 0x030000, revision: 0xE7, multiFunction: options.MultiFunction)
            .Subsystem(0x1DA2, 0xE366)
            .Interrupt(pin: 1)
            .Capability(0x48, CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(8))
            .Capability(0x50, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: false, pmeSupport: 0x19))
            .Capability(0x58, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.LegacyEndpoint, 2, flr: false, maxLinkSpeed: 3, maxLinkWidth: 16, maxPayloadSupportedCode: 1))
            .Capability(0xA0, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false))
            .ExtendedCapability(0x100, 0x000B /* VSEC */, 1, CapabilityLayouts.Zeroed(0x14))
            .ExtendedCapability(0x150, ExtendedCapabilityId.Aer, 2, CapabilityLayouts.Aer())
            .ExtendedCapability(0x200, ExtendedCapabilityId.ResizableBar, 1, CapabilityLayouts.ResizableBar(0, 0x0000_3F00, 8))
            .ExtendedCapability(0x270, ExtendedCapabilityId.SecondaryPciExpress, 1, CapabilityLayouts.SecondaryPcie(16))
            .ExtendedCapability(0x2A0, ExtendedCapabilityId.Acs, 1, CapabilityLayouts.Acs(AcsCapability.SourceValidation | AcsCapability.RequestRedirect | AcsCapability.CompletionRedirect | AcsCapability.UpstreamForwarding))
            .ExtendedCapability(0x2B0, ExtendedCapabilityId.Ats, 1, CapabilityLayouts.Zeroed(4))
            .ExtendedCapability(0x320, ExtendedCapabilityId.Ltr, 1, CapabilityLayouts.Ltr())
            .ExtendedCapability(0x328, ExtendedCapabilityId.Ari, 1, CapabilityLayouts.Ari(1));
}
