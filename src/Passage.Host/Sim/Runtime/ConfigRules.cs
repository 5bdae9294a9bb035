using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Derives a function's per-bit register rules from its header and capability list
/// (pci.md §2–§16): which bits software may write, which clear on a written 1, which survive a
/// reset, and which writes have effects. Anything not named here is read-only.
/// </summary>
internal static class ConfigRules
{
    /// <summary>Command bits a PCI Express function implements; 3, 4, 5, 7 and 9 are hardwired to 0 there.</summary>
    public const ushort PcieCommandWritable = 0x0547;

    /// <summary>Command bits a conventional function implements (every defined bit, pci.md §3).</summary>
    public const ushort ConventionalCommandWritable = 0x07FF;

    /// <summary>Bridge Control bits a bridge implements (parity, SERR, ISA, VGA, VGA16, master abort, SBR).</summary>
    public const ushort BridgeControlWritable = 0x007F;

    /// <summary>Applies every rule to <paramref name="file"/>.</summary>
    public static void Apply(ConfigRegisterFile file, DecodedFunction decoded, SimDeviceModel model)
    {
        Header(file, decoded);
        Bars(file, model, decoded.Config.Layout);
        if (decoded.Config.Layout == HeaderLayout.Bridge)
        {
            Bridge(file);
        }

        if (decoded.PowerManagement is { } pm)
        {
            PowerManagement(file, pm.Offset);
        }

        if (decoded.Msi is { } msi)
        {
            Msi(file, msi);
        }

        if (decoded.Msix is { } msix)
        {
            file.Rule(msix.Offset + MsixCapability.ControlOffset, 2, MsixCapability.Enable | MsixCapability.FunctionMask);
            file.Watch(msix.Offset + MsixCapability.ControlOffset, 2, MsixCapability.Enable | MsixCapability.FunctionMask, ConfigEffects.InterruptRouting);
        }

        if (decoded.Pcie is { } pcie)
        {
            PciExpress(file, pcie);
        }

        if (decoded.AdvancedFeatures is { SupportsFlr: true } af)
        {
            // Initiate FLR is a trigger: it acts on a written 1 and reads 0.
            file.Watch(af.Offset + AdvancedFeaturesCapability.ControlOffset, 1, 0x01, ConfigEffects.AdvancedFeaturesReset, trigger: true);
        }

        if (decoded.Aer is { } aer)
        {
            Aer(file, aer.Offset, decoded.Pcie?.DeviceType == PcieDeviceType.RootPort);
        }

        if (decoded.Acs is { } acs)
        {
            file.Rule(acs.Offset + 6, 2, acs.Capability & 0x7Fu);
        }
    }

    /// <summary>The writable mask of a BAR of <paramref name="size"/> bytes, low dword and (64-bit) high dword: the sizing rule of pci.md §5.</summary>
    public static (uint Low, uint High) BarMask(BarKind kind, ulong size)
    {
        ulong address = ~(size - 1);
        return kind switch
        {
            BarKind.Io => ((uint)address & BarEncoding.IoAddressMask, 0),
            BarKind.Mem64 => ((uint)address & BarEncoding.MemoryAddressMask, (uint)(address >> 32)),
            _ => ((uint)address & BarEncoding.MemoryAddressMask, 0),
        };
    }

    private static void Header(ConfigRegisterFile file, DecodedFunction decoded)
    {
        file.Rule(ConfigOffsets.Command, 2, decoded.Pcie is null ? ConventionalCommandWritable : PcieCommandWritable);
        file.Watch(ConfigOffsets.Command, 2, (uint)(PciCommand.BusMaster | PciCommand.InterruptDisable), ConfigEffects.InterruptRouting);
        file.Rule(ConfigOffsets.Status, 2, 0, PciStatusMasks.WriteOneToClear);
        file.Rule(ConfigOffsets.CacheLineSize, 1, 0xFF);
        file.Rule(ConfigOffsets.LatencyTimer, 1, 0xFF);
        file.Rule(ConfigOffsets.InterruptLine, 1, 0xFF);
    }

    private static void Bars(ConfigRegisterFile file, SimDeviceModel model, HeaderLayout layout)
    {
        foreach (SimBar bar in model.Bars)
        {
            int offset = ConfigOffsets.Bar0 + (4 * bar.Index);
            (uint low, uint high) = BarMask(bar.Kind, bar.Size);
            file.Rule(offset, 4, low);
            if (bar.Kind == BarKind.Mem64)
            {
                file.Rule(offset + 4, 4, high);
            }
        }

        if (model.RomSize != 0)
        {
            file.Rule(BarEncoding.RomOffset(layout), 4, ((uint)~(model.RomSize - 1) & BarEncoding.RomAddressMask) | BarEncoding.RomEnable);
        }
    }

    private static void Bridge(ConfigRegisterFile file)
    {
        file.Rule(ConfigOffsets.PrimaryBus, 1, 0xFF);
        file.Rule(ConfigOffsets.SecondaryBus, 1, 0xFF);
        file.Rule(ConfigOffsets.SubordinateBus, 1, 0xFF);
        file.Rule(ConfigOffsets.SecondaryLatency, 1, 0xFF);
        // Window bases and limits: the address bits; the low nibbles report the addressing capability.
        file.Rule(ConfigOffsets.IoBase, 1, 0xF0);
        file.Rule(ConfigOffsets.IoLimit, 1, 0xF0);
        file.Rule(ConfigOffsets.SecondaryStatus, 2, 0, PciStatusMasks.WriteOneToClear);
        file.Rule(ConfigOffsets.MemoryBase, 2, 0xFFF0);
        file.Rule(ConfigOffsets.MemoryLimit, 2, 0xFFF0);
        file.Rule(ConfigOffsets.PrefetchableBase, 2, 0xFFF0);
        file.Rule(ConfigOffsets.PrefetchableLimit, 2, 0xFFF0);
        file.Rule(ConfigOffsets.PrefetchableBaseUpper, 4, 0xFFFF_FFFF);
        file.Rule(ConfigOffsets.PrefetchableLimitUpper, 4, 0xFFFF_FFFF);
        file.Rule(ConfigOffsets.BridgeControl, 2, BridgeControlWritable);
        file.Watch(ConfigOffsets.BridgeControl, 2, ConfigOffsets.BridgeControlSecondaryBusReset, ConfigEffects.SecondaryBusReset);
    }

    private static void PowerManagement(ConfigRegisterFile file, int offset)
    {
        int pmcsr = offset + PowerManagementCapability.ControlStatusOffset;
        file.Rule(pmcsr, 2, PowerManagementCapability.PowerStateMask | PowerManagementCapability.PmeEnable, PowerManagementCapability.PmeStatus);
        file.Watch(pmcsr, 2, PowerManagementCapability.PowerStateMask, ConfigEffects.PowerState);
    }

    private static void Msi(ConfigRegisterFile file, MsiCapability msi)
    {
        int control = msi.Offset + MsiCapability.ControlOffset;
        file.Rule(control, 2, MsiCapability.Enable | MsiCapability.MultipleMessageEnableMask);
        file.Watch(control, 2, MsiCapability.Enable | MsiCapability.MultipleMessageEnableMask, ConfigEffects.InterruptRouting);
        file.Rule(msi.Offset + MsiCapability.AddressOffset, 4, 0xFFFF_FFFC);
        int data = msi.Offset + (msi.Is64Bit ? 0x0C : 0x08);
        if (msi.Is64Bit)
        {
            file.Rule(msi.Offset + 0x08, 4, 0xFFFF_FFFF);
        }

        file.Rule(data, 2, 0xFFFF);
        if (msi.HasPerVectorMask)
        {
            int mask = data + 4;
            uint vectors = msi.MultipleMessageCapable == 32 ? 0xFFFF_FFFF : (1u << msi.MultipleMessageCapable) - 1;
            file.Rule(mask, 4, vectors);
            file.Watch(mask, 4, vectors, ConfigEffects.InterruptRouting);
        }
    }

    private static void PciExpress(ConfigRegisterFile file, PciExpressCapability pcie)
    {
        int p = pcie.Offset;
        // Phantom functions (bit 9) are not supported by any model and stay 0.
        file.Rule(p + PciExpressCapability.DeviceControlOffset, 2, 0x7DFF);
        if (pcie.IsFlrCapable)
        {
            file.Watch(p + PciExpressCapability.DeviceControlOffset, 2, PciExpressCapability.InitiateFlr, ConfigEffects.FunctionLevelReset, trigger: true);
        }

        file.Rule(p + PciExpressCapability.DeviceStatusOffset, 2, 0, 0x000F);
        if (pcie.HasLink)
        {
            // Ports add Link Disable and the bandwidth interrupt enables; Retrain Link is a trigger that reads 0.
            file.Rule(p + PciExpressCapability.LinkControlOffset, 2, pcie.IsPortOrBridge ? 0x0FD3u : 0x01C3u);
        }

        if (pcie.HasSlot)
        {
            file.Rule(p + 0x18, 2, 0x1FFF);
            file.Rule(p + 0x1A, 2, 0, 0x011F);
        }

        if (pcie.DeviceType == PcieDeviceType.RootPort)
        {
            file.Rule(p + PciExpressCapability.RootControlOffset, 2, 0x001F);
        }

        if (pcie.Version >= 2)
        {
            file.Rule(p + PciExpressCapability.DeviceControl2Offset, 2, pcie.IsPortOrBridge ? 0x003Fu : 0x001Fu);
            file.Rule(p + 0x30, 2, 0x003F);
        }
    }

    private static void Aer(ConfigRegisterFile file, int offset, bool rootPort)
    {
        file.Rule(offset + AerCapability.UncorrectableStatusOffset, 4, 0, AerCapability.UncorrectableDefined, sticky: true);
        file.Rule(offset + AerCapability.UncorrectableMaskOffset, 4, AerCapability.UncorrectableDefined, sticky: true);
        file.Rule(offset + AerCapability.UncorrectableSeverityOffset, 4, AerCapability.UncorrectableDefined, sticky: true);
        file.Rule(offset + AerCapability.CorrectableStatusOffset, 4, 0, AerCapability.CorrectableDefined, sticky: true);
        file.Rule(offset + AerCapability.CorrectableMaskOffset, 4, AerCapability.CorrectableDefined, sticky: true);
        // ECRC generation and check enables; the First Error Pointer is device-written and sticky.
        file.Rule(offset + AerCapability.CapabilitiesControlOffset, 4, 0x0000_0140, sticky: true);
        if (rootPort)
        {
            file.Rule(offset + AerCapability.RootCommandOffset, 4, 0x7);
            file.Rule(offset + AerCapability.RootStatusOffset, 4, 0, 0x7F);
        }
    }
}
