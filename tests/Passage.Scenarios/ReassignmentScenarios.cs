using Passage.Host.Devices;
using Passage.Pci.Capabilities;
using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>
/// A function keeps working across a guest's reboot and across reassignment to another guest: no
/// MSI-X state (Function Mask, entry masks, pending bits, host vectors) of the previous owner
/// survives to make the device dead for the next (seed 000; vpci.md §7.5).
/// </summary>
public sealed class ReassignmentScenarios
{
    public static TheoryData<string, string, bool> Reboots()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic, true); // NIC, dynamic host
            data.Add(transport, LabDevices.Nic, false); // NIC, NORESIZE host
            data.Add(transport, LabDevices.Nvme, true); // NVMe, 33 vectors
            data.Add(transport, LabDevices.Nvme, false); // NVMe, NORESIZE host
            data.Add(transport, LabDevices.Wifi, true); // Wi-Fi
            data.Add(transport, LabDevices.T5Vf, true); // T5 VF, emulated PBA
        }

        return data;
    }

    public static TheoryData<string, string, bool, bool> Reassignments()
    {
        var data = new TheoryData<string, string, bool, bool>();
        foreach (string transport in DeviceTransports.Names)
        {
            foreach (bool tornDown in new[] { true, false })
            {
                data.Add(transport, LabDevices.Nic, true, tornDown); // NIC, dynamic host
                data.Add(transport, LabDevices.Nic, false, tornDown); // NIC, NORESIZE host
                data.Add(transport, LabDevices.Nvme, true, tornDown); // NVMe, 33 vectors
                data.Add(transport, LabDevices.Wifi, true, tornDown); // Wi-Fi
                data.Add(transport, LabDevices.T5Vf, true, tornDown); // T5 VF
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Reboots))]
    public void SecondBringUp_AfterLinuxTeardown_EveryVectorDeliveredOnceMore(string transport, string device, bool dynamicMsix)
    {
        using var rig = GuestRig.Open(transport, device, dynamicMsix);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        int n = msix.Entries;
        msix.BringUp();
        RingEach(rig, n, rounds: 1);

        // The guest's driver unloads: entries masked, MSI-X off, decoding and bus mastering off.
        msix.Teardown();
        rig.Config.Command = 0;

        Assert.Equal(n - 1, msix.Control);
        Assert.Equal(0, rig.Sim.Interrupts.MsixAllocated);
        Assert.NotEqual(VfioIrq.Msix, rig.Sim.Interrupts.ActiveIndex);
        Assert.Equal(0u, HostMsixControl(rig) & (MsixCapability.Enable | MsixCapability.FunctionMask));

        // It loads again: the same bring-up works, once per vector.
        rig.Start();
        Assert.All(Enumerable.Range(0, n), v => Assert.Equal(1u, msix.VectorControl(v)));
        Assert.Equal(0UL, msix.PbaWord(0));
        msix.BringUp();
        RingEach(rig, n, rounds: 2);
        Assert.Equal(2 * n, rig.Machine.Lapic.Total);
    }

    [Theory]
    [MemberData(nameof(Reassignments))]
    public void Reassign_PreviousGuestTornDownOrVanished_NextGuestStartsCleanAndDelivers(string transport, string device, bool dynamicMsix, bool tornDown)
    {
        using var rig = GuestRig.Open(transport, device, dynamicMsix);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        int n = msix.Entries;
        msix.BringUp();
        RingEach(rig, n, rounds: 1);
        if (tornDown)
        {
            msix.Teardown();
            rig.Config.Command = 0;
        }
        else
        {
            // The guest dies mid-use: MSI-X on with the whole function masked (the "mask-all" left
            // behind in seed 000), one entry masked, a vector pending.
            msix.WriteControl(enable: true, functionMask: true);
            msix.Mask(0);
            rig.RingAndSettle(1);
            Assert.True(msix.IsPending(1));
        }

        rig.DestroyGuest();

        // Nothing of the previous owner stays bound at the host.
        Assert.Equal(-1, rig.Sim.Interrupts.ActiveIndex);
        Assert.Equal(0, rig.Sim.Interrupts.MsixAllocated);
        Assert.Equal(0u, HostMsixControl(rig) & (MsixCapability.Enable | MsixCapability.FunctionMask));

        rig.AssignToNewGuest();

        // The next guest finds MSI-X at reset state, and everything works.
        var next = GuestMsix.Find(rig);
        Assert.Equal(n - 1, next.Control);
        rig.Start();
        Assert.All(Enumerable.Range(0, n), v => Assert.Equal(1u, next.VectorControl(v)));
        Assert.Equal(0UL, next.PbaWord(0));
        next.BringUp();
        RingEach(rig, n, rounds: 1);
        Assert.Equal(n, rig.Machine.Lapic.Total);
    }

    // Rings each entry once: each entry's vector must then have received one interrupt per round
    // of doorbells. A Linux bring-up catches nothing up, on a NORESIZE host too: clearing Function
    // Mask grows the host index once, before any entry is live (vpci.md §7.5, §7.7.3).
    private static void RingEach(GuestRig rig, int entries, long rounds)
    {
        for (int v = 0; v < entries; v++)
        {
            rig.RingAndSettle(v);
            Assert.Equal((v, rounds), (v, rig.Machine.Lapic.Count(GuestMsix.VectorOf(v))));
        }
    }

    // Message Control as the device's own hardware holds it (below the host policy).
    private static uint HostMsixControl(GuestRig rig) =>
        rig.Sim.Function.ReadConfig(rig.Sim.Function.Function.Decoded.Msix!.Offset + MsixCapability.ControlOffset, 2);
}
