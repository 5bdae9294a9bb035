using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Function;

namespace Passage.Vpci.Tests.Function;

/// <summary>The filtered standard capability list: what is exposed, how, and what is unlinked (vpci.md §4.1).</summary>
public sealed class CapabilityListTests
{
    private const int Vpd = 0x40;
    private const int Pm = 0x48;
    private const int Unknown = 0x50;
    private const int Msi = 0x54;
    private const int Vendor = 0x60;
    private const int Pcie = 0x68;
    private const int Last = 0xA0;

    // VPD, PM, an unknown ID, MSI, vendor-specific, PCI Express, another unknown ID — in that order.
    private static ConfigSpaceBuilder Mixed(bool flr = true) => LayoutLab.Endpoint()
        .Capability(Vpd, CapabilityId.Vpd, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66])
        .Capability(Pm, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement(3, noSoftReset: true, pmeSupport: 0x1F))
        .Capability(Unknown, 0x7E, [0xAA, 0xBB])
        .Capability(Msi, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: false, perVectorMask: false))
        .Capability(Vendor, CapabilityId.VendorSpecific, [8, 0x5A, 0x01, 0x02, 0x03, 0x04])
        .Capability(Pcie, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 2, flr: flr))
        .Capability(Last, 0x7F, [0xCC, 0xDD]);

    private static List<(int Offset, int Id)> GuestList(Func<int, int, uint> read)
    {
        var list = new List<(int, int)>();
        int at = (int)read(ConfigOffsets.CapabilitiesPointer, 1);
        for (int ttl = 0; at != 0 && ttl < 48; ttl++)
        {
            list.Add((at, (int)read(at, 1)));
            at = (int)read(at + 1, 1);
        }

        return list;
    }

    [Fact]
    public void Build_MixedHostList_LinksOnlyMsiPciExpressAndPowerManagement()
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));

        Assert.Equal([(Pm, 0x01), (Msi, 0x05), (Pcie, 0x10)], GuestList(lab.Read));
        Assert.Equal([Pm, Msi, Pcie], lab.Function.ExposedCapabilities.Select(c => c.Offset));
        Assert.Equal([Vpd, Unknown, Vendor, Last], lab.Function.HiddenCapabilities.Where(c => !c.Extended).Select(c => c.Offset));
    }

    [Fact]
    public void Build_LabNic_ExposesItsFourCapabilitiesInHostOrder()
    {
        using var lab = GuestLab.Open("0000:05:00.0");

        Assert.Equal([(0x40, 0x01), (0x50, 0x05), (0x70, 0x11), (0xA0, 0x10)], GuestList(lab.Read));
    }

    [Theory]
    [InlineData(Vpd)] // VPD header
    [InlineData(Vpd + 4)] // VPD body
    [InlineData(Unknown)] // unknown ID
    [InlineData(Vendor)] // vendor-specific without the policy
    [InlineData(Vendor + 4)] // its body
    [InlineData(Last)] // unknown ID at the end
    public void ReadConfig_UnlinkedCapabilityBytes_ReadOnes(int offset)
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));

        Assert.Equal(uint.MaxValue, lab.Read(offset, 4));
    }

    [Fact]
    public void WriteConfig_UnlinkedCapabilityBytes_NeverReachHost()
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        lab.Write(Vpd + 4, 4, 0);
        lab.Write(Unknown, 4, 0);
        lab.Write(Vendor + 4, 4, 0);

        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
        Assert.Equal(0x66, lab.Device.Config[Vpd + 7]);
    }

    [Fact]
    public void WriteConfig_CapabilityPointerAndLinks_ReadOnly()
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        lab.Write(ConfigOffsets.CapabilitiesPointer, 1, Vpd);
        lab.Write(Pm, 2, 0);
        lab.Write(Msi, 2, 0xFFFF);

        Assert.Equal((uint)Pm, lab.Read(ConfigOffsets.CapabilitiesPointer, 1));
        Assert.Equal((uint)(Msi << 8) | 0x01, lab.Read(Pm, 2));
        Assert.Equal((uint)(Pcie << 8) | 0x05, lab.Read(Msi, 2));
        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
    }

    [Fact]
    public void Build_VendorSpecificWithPolicy_LinkedAndPassedRaw()
    {
        var options = new VirtualFunctionOptions { ExposeVendorCapabilities = true };
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()), options);

        Assert.Equal([(Pm, 0x01), (Msi, 0x05), (Vendor, 0x09), (Pcie, 0x10)], GuestList(lab.Read));
        Assert.Equal(8u, lab.Read(Vendor + 2, 1));
        Assert.Equal(0x5Au, lab.Read(Vendor + 3, 1));
        Assert.Equal(0x0403_0201u, lab.Read(Vendor + 4, 4));

        lab.Write(Vendor + 4, 4, 0xDEAD_BEEF);

        Assert.Equal([0xDEAD_BEEFUL], RecordedEvents.ConfigWritesAt(lab.Device.Events, Vendor + 4));
        Assert.Equal(0xDEAD_BEEFu, lab.Read(Vendor + 4, 4));
    }

    [Fact]
    public void Build_LabGpuVendorCapability_PointerSkipsItWithoutPolicy()
    {
        using var hidden = GuestLab.Open("0000:01:00.0");
        using var shown = GuestLab.Open("0000:01:00.0", options: new VirtualFunctionOptions { ExposeVendorCapabilities = true });

        Assert.Equal(0x50u, hidden.Read(ConfigOffsets.CapabilitiesPointer, 1));
        Assert.Equal(0x48u, shown.Read(ConfigOffsets.CapabilitiesPointer, 1));
        Assert.Equal(0x5009u, shown.Read(0x48, 2));
    }

    [Fact]
    public void Build_PointersWithLowBitsSet_Masked()
    {
        ConfigSpaceBuilder config = Mixed().Set8(ConfigOffsets.CapabilitiesPointer, Vpd | 3).Set8(Pm + 1, Unknown | 2);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config));

        Assert.Equal([(Pm, 0x01), (Msi, 0x05), (Pcie, 0x10)], GuestList(lab.Read));
    }

    [Fact]
    public void Build_LoopingList_WalkedOnceAndTerminated()
    {
        // MSI's next pointer leads back to PM.
        ConfigSpaceBuilder config = Mixed().Set8(Msi + 1, Pm);
        using var lab = LayoutLab.Open(new LayoutHostDevice(config));

        Assert.Equal([(Pm, 0x01), (Msi, 0x05)], GuestList(lab.Read));
        Assert.Equal(uint.MaxValue, lab.Read(Pcie, 4));
    }

    [Fact]
    public void Build_MsixNamingAnIoBar_HiddenUnlinkedAndWithoutHandlers()
    {
        ConfigSpaceBuilder config = LayoutLab.Endpoint()
            .Bar(0, BarKind.Io, 0x1000)
            .Bar(2, BarKind.Mem32, 0)
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement())
            .Capability(0x50, CapabilityId.MsiX, CapabilityLayouts.Msix(4, tableBir: 0, tableOffset: 0, pbaBir: 2, pbaOffset: 0x800));
        LayoutHostDevice device = new LayoutHostDevice(config) { MsixCount = 4 }.WithBar(0, 0x100).WithBar(2, 0x1000);
        using var lab = LayoutLab.Open(device);

        Assert.Null(lab.Function.Msix);
        Assert.Equal([(0x40, 0x01)], GuestList(lab.Read));
        Assert.Contains(lab.Function.HiddenCapabilities, c => c.Offset == 0x50 && c.Id == (int)CapabilityId.MsiX && c.Reason.Contains("BAR0", StringComparison.Ordinal));
        Assert.Equal(uint.MaxValue, lab.Read(0x50, 4));
        Assert.Equal(uint.MaxValue, lab.Read(0x54, 4));
        Assert.Equal(uint.MaxValue, lab.Read(0x58, 4));
    }

    [Fact]
    public void Build_CapabilityOverlappingAnother_RemovedWholeAndUnlinked()
    {
        // MSI at 0x44 sits inside PM's PMCSR dword; its registers cannot all be placed.
        ConfigSpaceBuilder config = LayoutLab.Endpoint()
            .Capability(0x40, CapabilityId.PowerManagement, [0x03, 0x00, 0x00, 0x00])
            .Capability(0x44, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false))
            .Capability(0x60, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 1));
        using var lab = LayoutLab.Open(new LayoutHostDevice(config));

        Assert.Null(lab.Function.Msi);
        Assert.Equal([(0x40, 0x01), (0x60, 0x10)], GuestList(lab.Read));
        Assert.Contains(lab.Function.HiddenCapabilities, c => c.Offset == 0x44 && c.Reason.Contains("overlap", StringComparison.Ordinal));
        Assert.Equal(uint.MaxValue, lab.Read(0x48, 4)); // the MSI address register it would have had
        Assert.Equal(uint.MaxValue, lab.Read(0x4C, 4));
    }

    [Fact]
    public void Build_MsiWithoutHostVectors_HiddenAndUnlinked()
    {
        LayoutHostDevice device = new(LayoutLab.Endpoint()
            .Capability(0x40, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: false))
            .Capability(0x50, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement()))
        { MsiCount = 0 };
        using var lab = LayoutLab.Open(device);

        Assert.Null(lab.Function.Msi);
        Assert.Equal([(0x50, 0x01)], GuestList(lab.Read));
        Assert.Equal(uint.MaxValue, lab.Read(0x40, 4));
    }

    [Theory]
    [InlineData(Pcie + 2, 2)] // PCI Express Capabilities
    [InlineData(Pcie + 4, 4)] // Device Capabilities
    [InlineData(Pcie + 0x0A, 2)] // Device Status
    [InlineData(Pcie + 0x0C, 4)] // Link Capabilities
    [InlineData(Pcie + 0x10, 2)] // Link Control
    [InlineData(Pcie + 0x12, 2)] // Link Status
    [InlineData(Pcie + 0x24, 4)] // Device Capabilities 2
    [InlineData(Pcie + 0x2C, 4)] // Link Capabilities 2
    public void WriteConfig_PciExpressReadOnlyRegister_ShowsHostAndIsNotForwarded(int offset, int size)
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));
        uint host = BinaryPrimitives.ReadUInt32LittleEndian(lab.Device.Config[offset..]) & (size == 4 ? uint.MaxValue : 0xFFFF);
        int before = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        lab.Write(offset, size, ~host);

        Assert.Equal(host, lab.Read(offset, size));
        Assert.Equal(before, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
    }

    [Theory]
    [InlineData(Pcie + 0x08, 0x2830u)] // Device Control
    [InlineData(Pcie + 0x28, 0x0410u)] // Device Control 2
    public void WriteConfig_DeviceControlRegisters_ForwardedToHost(int offset, uint value)
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));

        lab.Write(offset, 2, value);

        Assert.Equal([(ulong)value], RecordedEvents.ConfigWritesAt(lab.Device.Events, offset));
        Assert.Equal(value, lab.Read(offset, 2));
    }

    [Fact]
    public void ReadConfig_DeviceControlInitiateFlr_ReadsZero()
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed().Set16(Pcie + 8, 0xA810)));

        Assert.Equal(0x2810u, lab.Read(Pcie + 8, 2));
    }

    [Theory]
    [InlineData(true, 1)] // DevCap FLR: a virtual FLR
    [InlineData(false, 0)] // no FLR capability: nothing
    public void WriteConfig_InitiateFlr_ResetsOnlyWithFlrCapabilityAndIsNeverForwarded(bool flr, int resets)
    {
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed(flr)));

        lab.Write(Pcie + 8, 2, 0xA810);

        Assert.Equal(resets, lab.Device.Events.Count(e => e == "reset"));
        Assert.Equal([0x2810UL], RecordedEvents.ConfigWritesAt(lab.Device.Events, Pcie + 8));
    }

    [Fact]
    public void ReadConfig_PowerManagementCapabilities_PmeSupportForcedToZero()
    {
        // The lab's host policy already hides PME_Support, so the raw layout shows this one.
        using var lab = LayoutLab.Open(new LayoutHostDevice(Mixed()));
        uint host = BinaryPrimitives.ReadUInt16LittleEndian(lab.Device.Config[(Pm + 2)..]);

        Assert.Equal(0xF803u, host);
        Assert.Equal(0x0003u, lab.Read(Pm + 2, 2));
    }

    [Theory]
    [InlineData(3u, 3u)] // D3hot stored
    [InlineData(2u, 2u)] // D2 stored
    [InlineData(0x8103u, 3u)] // PME_Status and PME_En read 0
    public void WriteConfig_PowerManagementControl_StoredAndHostStaysInD0(uint written, uint state)
    {
        using var lab = GuestLab.Open("0000:05:00.0");
        int pm = lab.FindCapability(CapabilityId.PowerManagement);
        int hostWritesBefore = RecordedEvents.ConfigWrites(lab.Device.Events).Count;

        lab.Write(pm + 4, 2, written);

        // The NIC's No_Soft_Reset (bit 3) shows through.
        Assert.Equal(state | PowerManagementCapability.NoSoftReset, lab.Read(pm + 4, 2));
        Assert.Equal(hostWritesBefore, RecordedEvents.ConfigWrites(lab.Device.Events).Count);
        Assert.Equal(0, lab.Sim.Function.PowerState);
        Assert.Equal(0u, HostRead(lab, pm + 4, 2) & PowerManagementCapability.PowerStateMask);
    }

    [Theory]
    [InlineData("0000:05:00.0", PowerManagementCapability.NoSoftReset)] // NIC: No_Soft_Reset set
    [InlineData("0000:02:00.0", 0)] // Wi-Fi: clear
    public void ReadConfig_PowerManagementNoSoftReset_FromHost(string address, int expected)
    {
        using var lab = GuestLab.Open(address);
        int pm = lab.FindCapability(CapabilityId.PowerManagement);

        Assert.Equal((uint)expected, lab.Read(pm + 4, 4));
    }

    private static uint HostRead(GuestLab lab, int offset, int size)
    {
        Span<byte> bytes = stackalloc byte[4];
        bytes.Clear();
        Assert.Equal(Errno.None, lab.Device.Inner.Read(VfioRegion.Config, (ulong)offset, bytes[..size]));
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }
}
