using Passage.Host.Inventory;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// The HDMI audio function of the RX 580 (1002:aaf0): no FLR, No_Soft_Reset set, so like its GPU
/// it can only be reset by a bus reset that takes both functions.
/// </summary>
public sealed class GpuAudioModel : SimDeviceModel
{
    /// <inheritdoc />
    public override string Name => "gpu-polaris-audio";

    /// <inheritdoc />
    public override string Description => "AMD Ellesmere HDMI audio (1002:aaf0): function 1 of the RX 580, bus reset only";

    /// <inheritdoc />
    public override string? DefaultDriver => "snd_hda_intel";

    /// <inheritdoc />
    public override IReadOnlyList<SimBar> Bars => [new SimBar(0, BarKind.Mem64, 16 * 1024)];

    /// <inheritdoc />
    public override IReadOnlyList<RegisterRange> Registers => [new RegisterRange(0, 0, 16 * 1024, "HD audio controller registers")];

    /// <inheritdoc />
    public override void Build(ConfigSpaceBuilder config, SimModelOptions options) =>
        config.Identity(0x1002, 0xAAF0, 0x040300, revision: 0x00, multiFunction: options.MultiFunction)
            .Subsystem(0x1DA2, 0xAAF0)
            .Interrupt(pin: 2)
            .Capability(0x48, CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(8))
            .Capability(0x50, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true))
            .Capability(0x64, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.LegacyEndpoint, 2, flr: false, maxLinkSpeed: 3, maxLinkWidth: 16))
            .Capability(0xA0, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false))
            .ExtendedCapability(0x100, 0x000B /* VSEC */, 1, CapabilityLayouts.Zeroed(0x14))
            .ExtendedCapability(0x150, ExtendedCapabilityId.Aer, 2, CapabilityLayouts.Aer())
            .ExtendedCapability(0x2A0, ExtendedCapabilityId.Acs, 1, CapabilityLayouts.Acs(AcsCapability.SourceValidation | AcsCapability.RequestRedirect | AcsCapability.CompletionRedirect | AcsCapability.UpstreamForwarding))
            .ExtendedCapability(0x328, ExtendedCapabilityId.Ari, 1, CapabilityLayouts.Ari(0));
}
