using Passage.Host.Inventory;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Models;

/// <summary>
/// AMD Radeon RX 580 (Polaris 10): a GPU (1002:67df) and its HDMI audio function (1002:aaf0) in
/// one slot. Neither has FLR; the GPU's PM reset is quirked off (AMD VGA, <c>NO_PM_RESET</c>) and
/// the audio function sets No_Soft_Reset, so only a bus reset reaches them, and it takes both.
/// Both implement ACS, so each function gets an IOMMU group of its own.
/// Simulation control blocks (DOORBELL, SCRATCH, INTX_ACK, counters): graphics at BAR5+0x3F000, audio at BAR0+0x3F00.
/// </summary>
public static class GpuModel
{
    private const ushort AcsFlags = AcsCapability.SourceValidation | AcsCapability.RequestRedirect | AcsCapability.CompletionRedirect | AcsCapability.UpstreamForwarding;

    /// <summary>Function 0: the graphics controller.</summary>
    public static readonly SimDeviceModel Graphics = new()
    {
        Name = "gpu-polaris",
        Description = "AMD Radeon RX 580 (1002:67df): no FLR, PM reset quirked off, bus reset only",
        DefaultDriver = "amdgpu",
        Bars =
        [
            new SimBar(0, BarKind.Mem64, 256UL * 1024 * 1024, Prefetchable: true),
            new SimBar(2, BarKind.Mem64, 2 * 1024 * 1024, Prefetchable: true),
            new SimBar(4, BarKind.Io, 256),
            new SimBar(5, BarKind.Mem32, 256 * 1024),
        ],
        RomSize = 128 * 1024,
        Registers =
        [
            new RegisterRange(0, 0, 256UL * 1024 * 1024, "VRAM aperture"),
            new RegisterRange(2, 0, 2 * 1024 * 1024, "doorbell aperture"),
            new RegisterRange(5, 0, 256 * 1024, "MMIO registers"),
        ],
        NoPmResetQuirk = true,
        ControlBlock = new SimControlBlock(5, 0x3F000),
        Build = (config, options) => config
            .Identity(0x1002, 0x67DF, 0x030000, revision: 0xE7, multiFunction: options.MultiFunction)
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
            .ExtendedCapability(0x2A0, ExtendedCapabilityId.Acs, 1, CapabilityLayouts.Acs(AcsFlags))
            .ExtendedCapability(0x2B0, ExtendedCapabilityId.Ats, 1, CapabilityLayouts.Zeroed(4))
            .ExtendedCapability(0x320, ExtendedCapabilityId.Ltr, 1, CapabilityLayouts.Ltr())
            .ExtendedCapability(0x328, ExtendedCapabilityId.Ari, 1, CapabilityLayouts.Ari(1)),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR5+0x3F000, at the top of the MMIO register BAR.</summary>
    public static IReadOnlyList<SimRegister> GraphicsRegisters => Graphics.ControlBlock!.Registers;

    /// <summary>Function 1: the HDMI audio controller.</summary>
    public static readonly SimDeviceModel Audio = new()
    {
        Name = "gpu-polaris-audio",
        Description = "AMD Ellesmere HDMI audio (1002:aaf0): function 1 of the RX 580, bus reset only",
        DefaultDriver = "snd_hda_intel",
        Bars = [new SimBar(0, BarKind.Mem64, 16 * 1024)],
        Registers = [new RegisterRange(0, 0, 16 * 1024, "HD audio controller registers")],
        ControlBlock = new SimControlBlock(0, 0x3F00),
        Build = (config, options) => config
            .Identity(0x1002, 0xAAF0, 0x040300, revision: 0x00, multiFunction: options.MultiFunction)
            .Subsystem(0x1DA2, 0xAAF0)
            .Interrupt(pin: 2)
            .Capability(0x48, CapabilityId.VendorSpecific, CapabilityLayouts.VendorSpecific(8))
            .Capability(0x50, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true))
            .Capability(0x64, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.LegacyEndpoint, 2, flr: false, maxLinkSpeed: 3, maxLinkWidth: 16))
            .Capability(0xA0, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false))
            .ExtendedCapability(0x100, 0x000B /* VSEC */, 1, CapabilityLayouts.Zeroed(0x14))
            .ExtendedCapability(0x150, ExtendedCapabilityId.Aer, 2, CapabilityLayouts.Aer())
            .ExtendedCapability(0x2A0, ExtendedCapabilityId.Acs, 1, CapabilityLayouts.Acs(AcsFlags))
            .ExtendedCapability(0x328, ExtendedCapabilityId.Ari, 1, CapabilityLayouts.Ari(0)),
    };

    /// <summary>The simulation registers (DOORBELL, SCRATCH, INTX_ACK, counters) at BAR0+0x3F00, at the top of the HD audio register BAR.</summary>
    public static IReadOnlyList<SimRegister> AudioRegisters => Audio.ControlBlock!.Registers;
}
