using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Function;

namespace Passage.Vpci.Tests.Function;

/// <summary>Virtual FLR through Device Control's Initiate FLR: ordering and the state it leaves (vpci.md §4.3).</summary>
public sealed class VirtualFlrTests
{
    private const int NicVectors = 5;
    private const int Msi = 0x50;
    private const int Pcie = 0x70;
    private const ulong Base = GuestLab.Mmio32;

    // One mappable 16 KiB BAR, INTA#, 64-bit MSI with per-vector masking, PCI Express with FLR.
    private static LayoutHostDevice Resettable(bool failReset = false) =>
        new LayoutHostDevice(LayoutLab.Endpoint()
            .Bar(0, BarKind.Mem32, 0)
            .Capability(0x40, CapabilityId.PowerManagement, CapabilityLayouts.PowerManagement())
            .Capability(Msi, CapabilityId.Msi, CapabilityLayouts.Msi(is64Bit: true, perVectorMask: true))
            .Capability(Pcie, CapabilityId.PciExpress, CapabilityLayouts.PciExpress(PcieDeviceType.Endpoint, 2, flr: true)))
        {
            FailReset = failReset,
        }.WithBar(0, 0x4000, mappable: true);

    private static void InitiateFlr(Func<int, int, uint> read, Action<int, int, uint> write, int pcie) =>
        write(pcie + PciExpressCapability.DeviceControlOffset, 2, read(pcie + PciExpressCapability.DeviceControlOffset, 2) | PciExpressCapability.InitiateFlr);

    [Fact]
    public void InitiateFlr_WithMsiAndMappedBar_DisablesInterruptsThenUnmapsThenResets()
    {
        using var lab = LayoutLab.Open(Resettable());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);
        lab.Write(Msi + 2, 2, MsiCapability.Enable);
        int from = lab.Device.Events.Count;

        InitiateFlr(lab.Read, lab.Write, Pcie);

        List<string> events = [.. lab.Device.Events.Skip(from)];
        int disable = RecordedEvents.IndexOf(events, "setirqs 1 0 0 0x21");
        int unmap = RecordedEvents.IndexOf(events, "unmap 0 0");
        int reset = RecordedEvents.IndexOf(events, "reset");
        Assert.True(disable >= 0, string.Join(" | ", events));
        Assert.True(disable < unmap, string.Join(" | ", events));
        Assert.True(unmap < reset, string.Join(" | ", events));
        Assert.Single(events, e => e == "reset");
    }

    [Fact]
    public void InitiateFlr_AfterReset_HostDecodingOffAndIntxBack()
    {
        using var lab = LayoutLab.Open(Resettable());
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);
        lab.Write(Msi + 2, 2, MsiCapability.Enable);
        int from = lab.Device.Events.Count;

        InitiateFlr(lab.Read, lab.Write, Pcie);

        List<string> events = [.. lab.Device.Events.Skip(from)];
        int reset = RecordedEvents.IndexOf(events, "reset");
        int command = RecordedEvents.IndexOfPrefix(events, "config-write 0x4 ", reset);
        int intx = RecordedEvents.IndexOf(events, "setirqs 0 0 1 0x24");
        Assert.True(command > reset, string.Join(" | ", events));
        Assert.Equal("config-write 0x4 2 0x0", events[command]);
        Assert.True(intx > reset, string.Join(" | ", events));
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
        Assert.Equal(1, lab.Mmio.Count);
        Assert.All(lab.Device.Mappings, m => Assert.True(m.Disposed));
    }

    [Fact]
    public void InitiateFlr_WhenTheHostCannotReset_LoggedAndTheGuestStateStillResets()
    {
        using var lab = LayoutLab.Open(Resettable(failReset: true));
        lab.PlaceBar(0, Base);
        lab.Command = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster);

        InitiateFlr(lab.Read, lab.Write, Pcie);

        Assert.Contains(lab.Log, l => l.Contains("could not be reset", StringComparison.Ordinal));
        Assert.Equal(0, lab.Command);
        Assert.Equal(0u, lab.Read(ConfigOffsets.Bar0, 4));
        Assert.False(lab.Function.MemoryDecoding);
    }

    [Fact]
    public void InitiateFlr_LabNic_EveryEmulatedRegisterBackToInitialButInterruptLine()
    {
        using var lab = GuestLab.Open("0000:05:00.0", options: new VirtualFunctionOptions { VirtualAer = true });
        int pm = lab.FindCapability(CapabilityId.PowerManagement);
        int msi = lab.FindCapability(CapabilityId.Msi);
        int msix = lab.FindCapability(CapabilityId.MsiX);
        int pcie = lab.FindCapability(CapabilityId.PciExpress);
        const int Aer = 0x100;
        uint cacheAndLatency = lab.Read(ConfigOffsets.CacheLineSize, 2);
        uint uncorrectableMask = lab.Read(Aer + AerCapability.UncorrectableMaskOffset, 4);
        uint severity = lab.Read(Aer + AerCapability.UncorrectableSeverityOffset, 4);

        ulong[] bars = lab.Enable();
        lab.Write(ConfigOffsets.CacheLineSize, 2, 0x8020);
        lab.Write(ConfigOffsets.InterruptLine, 1, 0x0B);
        lab.Write(msi + 4, 4, 0xFEE0_0000);
        lab.Write(msi + 0x0C, 2, 0x41);
        lab.Write(msi + 0x10, 4, 1);
        lab.Write(msi + 2, 2, MsiCapability.Enable);
        lab.Write(msix + 2, 2, MsixCapability.Enable | MsixCapability.FunctionMask);
        lab.MmioWrite(bars[3] + 12, 4, 0);
        lab.Write(pm + 4, 2, 3);
        lab.Write(Aer + AerCapability.UncorrectableMaskOffset, 4, uint.MaxValue);
        lab.Write(Aer + AerCapability.UncorrectableSeverityOffset, 4, 0);
        Assert.True(lab.Function.ReportError(0x10, 0x1));

        InitiateFlr(lab.Read, lab.Write, pcie);

        Assert.Equal(0, lab.Command);
        Assert.False(lab.Function.MemoryDecoding);
        Assert.Equal(1, lab.Mmio.Count);
        Assert.Equal(0u, lab.Read(ConfigOffsets.Bar0, 4));
        Assert.Equal(0u, lab.Read(ConfigOffsets.Bar0 + 12, 4));
        Assert.Equal(cacheAndLatency, lab.Read(ConfigOffsets.CacheLineSize, 2));
        Assert.Equal(0x0Bu, lab.Read(ConfigOffsets.InterruptLine, 1));
        Assert.Equal(0x0180u, lab.Read(msi + 2, 2)); // disabled, one vector; 64-bit and per-vector masking from the host
        Assert.Equal(0u, lab.Read(msi + 4, 4));
        Assert.Equal(0u, lab.Read(msi + 0x10, 4));
        Assert.Equal((uint)(NicVectors - 1), lab.Read(msix + 2, 2));
        Assert.Equal(PowerManagementCapability.NoSoftReset, lab.Read(pm + 4, 2));
        Assert.Equal(0u, lab.Read(Aer + AerCapability.UncorrectableStatusOffset, 4));
        Assert.Equal(0u, lab.Read(Aer + AerCapability.CorrectableStatusOffset, 4));
        Assert.Equal(uncorrectableMask, lab.Read(Aer + AerCapability.UncorrectableMaskOffset, 4));
        Assert.Equal(severity, lab.Read(Aer + AerCapability.UncorrectableSeverityOffset, 4));
        Assert.Equal(VfioIrq.Intx, lab.Function.HostIrqIndex);
        Assert.Single(lab.Device.Events, e => e == "reset");

        // Every MSI-X entry masked again: seen once the guest maps the BARs anew.
        bars = lab.Enable();
        for (int v = 0; v < NicVectors; v++)
        {
            Assert.Equal(1UL, lab.MmioRead(bars[3] + (ulong)(16 * v) + 12, 4));
        }
    }

    [Fact]
    public void InitiateFlr_WithoutFlrCapability_ChangesNothing()
    {
        // The GPU's DevCap has no FLR.
        using var lab = GuestLab.Open("0000:01:00.0");
        int pcie = lab.FindCapability(CapabilityId.PciExpress);
        lab.Write(ConfigOffsets.InterruptLine, 1, 0x0B);
        lab.Write(ConfigOffsets.CacheLineSize, 1, 0x20);
        lab.Enable();

        InitiateFlr(lab.Read, lab.Write, pcie);

        Assert.DoesNotContain("reset", lab.Device.Events);
        Assert.Equal((ushort)(PciCommand.MemorySpace | PciCommand.BusMaster), lab.Command);
        Assert.Equal(0x20u, lab.Read(ConfigOffsets.CacheLineSize, 1));
        Assert.True(lab.Function.MemoryDecoding);
    }
}
