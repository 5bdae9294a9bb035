using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Scenarios.Harness;
using Passage.Vpci.Machine;

namespace Passage.Scenarios;

/// <summary>
/// What the policy hides stays hidden from a guest walking and writing config space: capabilities
/// other than PM, MSI, MSI-X and PCI Express, every extended capability, reserved Command bits and
/// the expansion ROM (vpci.md §3, §4). Host state is compared through the device's own region 7.
/// </summary>
public sealed class ConfigPolicyScenarios
{
    private static readonly int[] Offered = [(int)CapabilityId.PowerManagement, (int)CapabilityId.Msi, (int)CapabilityId.MsiX, (int)CapabilityId.PciExpress];

    public static TheoryData<string> Transports() => new(DeviceTransports.Names);

    public static TheoryData<string, string, int> StandardLists()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Gpu, 1); // vendor-specific hidden
            data.Add(transport, LabDevices.Ahci, 2); // SATA and Advanced Features hidden
            data.Add(transport, LabDevices.Nic, 0); // PM, MSI, MSI-X, PCIe: all offered
            data.Add(transport, LabDevices.Wifi, 0); // list not in offset order
            data.Add(transport, LabDevices.T5Vf, 0); // PCIe and MSI-X only
            data.Add(transport, LabDevices.Smbus, 0); // no capabilities at all
        }

        return data;
    }

    public static TheoryData<string, string> HiddenStandardCapabilities()
    {
        var data = new TheoryData<string, string>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Gpu); // vendor-specific
            data.Add(transport, LabDevices.Ahci); // SATA, and Advanced Features whose FLR bit would reset the device
        }

        return data;
    }

    public static TheoryData<string, string> ExtendedLists()
    {
        var data = new TheoryData<string, string>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Gpu); // VSEC at 0x100, AER, Resizable BAR, Secondary PCIe, ACS, ATS, LTR, ARI
            data.Add(transport, LabDevices.Nic); // AER at 0x100 (writable at the host), DSN, TPH
            data.Add(transport, LabDevices.Nvme); // AER, DSN, Power Budgeting, Secondary PCIe, LTR, L1 PM Substates
            data.Add(transport, LabDevices.T5Vf); // ARI alone, at 0x100
            data.Add(transport, LabDevices.Wifi); // AER, LTR, L1 PM Substates
        }

        return data;
    }

    public static TheoryData<string, string> CommandDevices()
    {
        var data = new TheoryData<string, string>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic); // memory and I/O BARs
            data.Add(transport, LabDevices.Gpu); // 64-bit BARs and a ROM
            data.Add(transport, LabDevices.Wifi); // one 64-bit BAR
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StandardLists))]
    public void CapabilityWalk_GuestList_IsHostListFilteredAndHiddenBytesReadOnes(string transport, string device, int hidden)
    {
        using var rig = GuestRig.Open(transport, device);
        IReadOnlyList<CapabilityEntry> host = CapabilityWalker.WalkStandard(new ConfigSpace(rig.HostConfig())).Entries;

        IReadOnlyList<(int Offset, int Id)> guest = rig.Config.WalkCapabilities();

        Assert.Equal(host.Where(c => Offered.Contains(c.Id)).Select(c => (c.Offset, c.Id)), guest);
        Assert.Equal(guest.Count > 0, (rig.Config.Read16(ConfigOffsets.Status) & (ushort)PciStatus.CapabilitiesList) != 0);
        Assert.Equal(guest.Count > 0 ? guest[0].Offset : 0, rig.Config.Read8(ConfigOffsets.CapabilitiesPointer));
        List<CapabilityEntry> concealed = [.. host.Where(c => !Offered.Contains(c.Id))];
        Assert.Equal(hidden, concealed.Count);
        foreach (CapabilityEntry capability in concealed)
        {
            int end = HiddenEnd(host, capability);
            for (int at = capability.Offset; at < end; at++)
            {
                Assert.Equal((at, 0xFFu), (at, (uint)rig.Config.Read8(at)));
            }

            Assert.Equal(uint.MaxValue, rig.Config.Read32(capability.Offset & ~3));
        }
    }

    [Theory]
    [MemberData(nameof(HiddenStandardCapabilities))]
    public void HiddenCapabilityWrites_EveryWidth_NeverReachHost(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        byte[] before = rig.HostConfig();
        IReadOnlyList<CapabilityEntry> host = CapabilityWalker.WalkStandard(new ConfigSpace(before)).Entries;
        List<CapabilityEntry> concealed = [.. host.Where(c => !Offered.Contains(c.Id))];
        Assert.NotEmpty(concealed);

        foreach (CapabilityEntry capability in concealed)
        {
            int end = HiddenEnd(host, capability);
            foreach (uint value in new[] { uint.MaxValue, 0u, 0x0101_0101u })
            {
                for (int at = capability.Offset & ~3; at < end; at += 4)
                {
                    rig.Config.Write32(at, value);
                }

                for (int at = capability.Offset; at < end; at++)
                {
                    rig.Config.Write(at, 1, value & 0xFF);
                }
            }
        }

        Assert.Equal(before, rig.HostConfig());
        Assert.Equal(0, rig.Sim.Function.ResetsPerformed); // the AHCI's Advanced Features FLR bit was written as 1 above
        Assert.All(concealed, c => Assert.Equal(0xFF, rig.Config.Read8(c.Offset)));
    }

    [Theory]
    [MemberData(nameof(ExtendedLists))]
    public void ExtendedSpace_EveryHostCapability_InvisibleAndWritesNeverReachHost(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        byte[] before = rig.HostConfig();
        IReadOnlyList<CapabilityEntry> host = CapabilityWalker.WalkExtended(new ConfigSpace(before)).Entries;
        Assert.NotEmpty(host);

        // 0x100 reads 0: the guest's extended list is empty. Every other host header reads ones.
        Assert.Equal(0u, rig.Config.Read32(ConfigOffsets.ExtendedCapabilitiesStart));
        Assert.All(host.Where(c => c.Offset != ConfigOffsets.ExtendedCapabilitiesStart), c => Assert.Equal(uint.MaxValue, rig.Config.Read32(c.Offset)));

        for (int at = ConfigOffsets.ExtendedCapabilitiesStart; at < ConfigOffsets.ExtendedSize; at += 4)
        {
            rig.Config.Write32(at, uint.MaxValue);
        }

        Assert.Equal(before, rig.HostConfig());
        Assert.Equal(0u, rig.Config.Read32(ConfigOffsets.ExtendedCapabilitiesStart));
        Assert.All(host.Where(c => c.Offset != ConfigOffsets.ExtendedCapabilitiesStart), c => Assert.Equal(uint.MaxValue, rig.Config.Read32(c.Offset)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void ExtendedSpace_AriAndSecondaryCapabilities_AbsentFromGuestWalk(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Gpu);
        IReadOnlyList<CapabilityEntry> host = CapabilityWalker.WalkExtended(new ConfigSpace(rig.HostConfig())).Entries;
        Assert.Contains(host, c => c.Id == (int)ExtendedCapabilityId.Ari);
        Assert.Contains(host, c => c.Id == (int)ExtendedCapabilityId.ResizableBar);

        // A guest walking the extended list from 0x100 finds nothing at all.
        var seen = new List<uint>();
        for (int at = ConfigOffsets.ExtendedCapabilitiesStart, hops = 0; at >= ConfigOffsets.ExtendedCapabilitiesStart && hops < CapabilityWalker.ExtendedTtl; hops++)
        {
            uint header = rig.Config.Read32(at);
            if (header is 0 or uint.MaxValue)
            {
                break;
            }

            seen.Add(header & 0xFFFF);
            at = (int)(header >> 20) & 0xFFC;
        }

        Assert.Empty(seen);
    }

    [Theory]
    [MemberData(nameof(CommandDevices))]
    public void CommandWrite_AllOnes_ReservedBitsReadZeroAndNeverReachHost(string transport, string device)
    {
        const ushort reservedPreserve = 0xFBC1; // I/O, parity, wait cycles, SERR, fast back-to-back, 15:11
        using var rig = GuestRig.Open(transport, device);
        rig.PlaceBars();
        ushort hostBefore = new ConfigSpace(rig.HostConfig()).Read16(ConfigOffsets.Command);

        rig.Config.Command = 0xFFFF;

        ushort guest = rig.Config.Command;
        ushort hostAfter = new ConfigSpace(rig.HostConfig()).Read16(ConfigOffsets.Command);
        Assert.Equal(0, guest & reservedPreserve);
        Assert.Equal(
            (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.SpecialCycles | PciCommand.MemoryWriteInvalidate | PciCommand.VgaPaletteSnoop | PciCommand.InterruptDisable),
            guest);
        Assert.Equal(hostBefore & reservedPreserve, hostAfter & reservedPreserve);
        Assert.Equal(0, hostAfter & (ushort)PciCommand.IoSpace);
        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.BusMaster), hostAfter & (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void RomBar_HostHasRom_GuestReadsZeroWhateverItWrites(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Gpu);
        Assert.Equal(128UL * 1024, rig.Sim.GetRegionInfo(VfioRegion.Rom).Size);
        uint hostRom = new ConfigSpace(rig.HostConfig()).Read32(ConfigOffsets.RomBar);

        Assert.Equal(0u, rig.Config.Read32(ConfigOffsets.RomBar));
        rig.Config.Write32(ConfigOffsets.RomBar, uint.MaxValue);
        Assert.Equal(0u, rig.Config.Read32(ConfigOffsets.RomBar));
        rig.Config.Write32(ConfigOffsets.RomBar, 0xC000_0001);
        Assert.Equal(0u, rig.Config.Read32(ConfigOffsets.RomBar));

        Assert.Equal(hostRom, new ConfigSpace(rig.HostConfig()).Read32(ConfigOffsets.RomBar));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void HeaderType_MultiFunctionHost_GuestSeesSingleFunction(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Gpu);
        Assert.True(new ConfigSpace(rig.HostConfig()).IsMultiFunction);

        Assert.Equal(0, rig.Config.Read8(ConfigOffsets.HeaderType) & 0x80);
        Span<byte> function1 = stackalloc byte[4];
        rig.Machine.ReadMemory(VirtualMachine.EcamBase + ((ulong)rig.Slot << 15) + (1UL << 12), function1);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], function1.ToArray());
    }

    // A hidden capability's bytes run up to the next host capability above it, or the end of the standard space.
    private static int HiddenEnd(IReadOnlyList<CapabilityEntry> host, CapabilityEntry capability) =>
        host.Where(c => c.Offset > capability.Offset).Select(c => c.Offset).DefaultIfEmpty(ConfigOffsets.ConventionalSize).Min();
}
