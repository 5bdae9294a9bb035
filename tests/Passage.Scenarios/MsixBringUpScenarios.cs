using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>A Linux guest brings MSI-X up on a passed-through function and every vector works (vpci.md §7.4–§7.7).</summary>
public sealed class MsixBringUpScenarios
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string, int> MsixDevices()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic, 5); // NIC: table and PBA in their own BAR
            data.Add(transport, LabDevices.Nvme, 33); // NVMe: admin + 32 queues, PBA page below the table page
            data.Add(transport, LabDevices.Wifi, 16); // Wi-Fi: control registers in the table page
            data.Add(transport, LabDevices.T5Vf, 8); // T5 VF: PBA fixed up
        }

        return data;
    }

    public static TheoryData<string, string, int> NoresizeDevices()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic, 5); // NIC
            data.Add(transport, LabDevices.Nvme, 33); // NVMe: 32 reallocations
        }

        return data;
    }

    public static TheoryData<string> Transports() => new(DeviceTransports.Names);

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void LinuxBringUp_OneDoorbellPerVector_EveryVectorDeliveredExactlyOnce(string transport, string device, int entries)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        Assert.Equal(entries, msix.Entries);

        // Enable with the function masked.
        msix.WriteControl(enable: true, functionMask: true);
        Assert.Equal(MsixCapability.Enable | MsixCapability.FunctionMask | (entries - 1), msix.Control);
        Assert.Equal((ushort)PciCommand.InterruptDisable, rig.Config.Command & (ushort)PciCommand.InterruptDisable);

        // Program every entry: its own vector, destinations spread over four APIC IDs.
        for (int v = 0; v < entries; v++)
        {
            msix.Program(v, GuestMsix.LapicAddress(v % 4), (uint)GuestMsix.VectorOf(v));
        }

        for (int v = 0; v < entries; v++)
        {
            Assert.Equal((uint)GuestMsix.LapicAddress(v % 4), rig.Read(msix.EntryAddress(v, 0), 4));
            Assert.Equal(0u, rig.Read(msix.EntryAddress(v, 4), 4));
            Assert.Equal((uint)GuestMsix.VectorOf(v), rig.Read(msix.EntryAddress(v, 8), 4));
            Assert.Equal(1u, msix.VectorControl(v));
        }

        // Unmask each entry while the function is still masked: nothing may fire yet.
        for (int v = 0; v < entries; v++)
        {
            msix.Unmask(v);
            Assert.Equal(0u, msix.VectorControl(v));
        }

        rig.Machine.Settle();
        Assert.Equal(0, rig.Machine.Lapic.Total);

        // Clear Function Mask: every entry is live and wired at the host.
        msix.WriteControl(enable: true, functionMask: false);
        Assert.Equal(MsixCapability.Enable | (entries - 1), msix.Control);
        Assert.All(Enumerable.Range(0, entries), v => Assert.True(rig.Sim.Interrupts.IsWired(VfioIrq.Msix, v), $"vector {v} not wired"));

        for (int v = 0; v < entries; v++)
        {
            int vector = GuestMsix.VectorOf(v);
            rig.Ring(v);
            Assert.True(rig.Machine.Lapic.WaitForCount(vector, 1, Patience), $"entry {v} never interrupted");
            rig.Machine.Settle();
            Assert.Equal(1, rig.Machine.Lapic.Count(vector));
            Assert.Equal(1, rig.Machine.Lapic.Count(v % 4, vector));
        }

        Assert.Equal(entries, rig.Machine.Lapic.Total);
        Assert.Equal(0, rig.Machine.RamMessages + rig.Machine.DroppedMessages);
        ulong counters = rig.Bars[rig.Control.Bar] + rig.Control.Offset;
        Assert.Equal((ulong)entries, rig.Read(counters + SimControlBlock.InterruptsRequested, 4));
        Assert.Equal((ulong)entries, rig.Read(counters + SimControlBlock.InterruptsSent, 4));
        Assert.All(Enumerable.Range(0, entries), v => Assert.False(msix.IsPending(v), $"entry {v} left pending"));
    }

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void LinuxBringUp_EntriesAimedAtRam_EachDoorbellWritesItsDataThere(string transport, string device, int entries)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        const ulong mailbox = 0x1000;

        msix.WriteControl(enable: true, functionMask: true);
        for (int v = 0; v < entries; v++)
        {
            msix.Program(v, mailbox + (4 * (ulong)v), 0xC0DE_0000u | (uint)v);
            msix.Unmask(v);
        }

        msix.WriteControl(enable: true, functionMask: false);
        for (int v = 0; v < entries; v++)
        {
            Assert.Equal(0u, rig.Read(mailbox + (4 * (ulong)v), 4));
            rig.RingAndSettle(v);
            Assert.Equal(0xC0DE_0000u | (uint)v, rig.Read(mailbox + (4 * (ulong)v), 4));
        }

        Assert.Equal(entries, rig.Machine.RamMessages);
        Assert.Equal(0, rig.Machine.Lapic.Total);
        Assert.Equal(0u, rig.Read(mailbox + (4 * (ulong)entries), 4)); // nothing beyond the last mailbox
    }

    /// <summary>
    /// On a NORESIZE host MSI-X is enabled with the function masked (zero vectors at the host);
    /// clearing Function Mask over N unmasked entries grows the host index once to N, as an enable
    /// with those entries unmasked would (vpci.md §7.5, §7.7.3). Nothing was live before the growth,
    /// so nothing is caught up: no interrupt arrives before a doorbell, and each doorbell is one.
    /// </summary>
    [Theory]
    [MemberData(nameof(NoresizeDevices))]
    public void LinuxBringUp_NoresizeHost_GrowsOnceAndNothingArrivesBeforeADoorbell(string transport, string device, int entries)
    {
        using var rig = GuestRig.Open(transport, device, dynamicMsix: false);
        rig.Start();
        var msix = GuestMsix.Find(rig);

        msix.BringUp();
        rig.Machine.Settle();

        Assert.Equal(0, rig.Machine.Lapic.Total);
        Assert.Equal(entries, rig.Sim.Interrupts.MsixAllocated);
        for (int j = 0; j < entries; j++)
        {
            rig.RingAndSettle(j);
            Assert.Equal((j, 1L), (j, rig.Machine.Lapic.Count(GuestMsix.VectorOf(j))));
        }

        Assert.Equal(entries, rig.Machine.Lapic.Total);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void Reprogram_WhileUnmasked_NewMessageUsedOnlyAfterMaskAndUnmask(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Nic);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();

        msix.Program(2, GuestMsix.LapicAddress(1), 0x70);
        rig.RingAndSettle(2);
        Assert.Equal(1, rig.Machine.Lapic.Count(0, GuestMsix.VectorOf(2)));
        Assert.Equal(0, rig.Machine.Lapic.Count(0x70));

        msix.Mask(2);
        msix.Unmask(2);
        rig.RingAndSettle(2);
        Assert.Equal(1, rig.Machine.Lapic.Count(1, 0x70));
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(2)));
        Assert.Equal(2, rig.Machine.Lapic.Total);
    }
}
