using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>The PBA is read-only to the guest: writes are dropped, change nothing it reads and nothing that is delivered (vpci.md §7.9).</summary>
public sealed class PbaScenarios
{
    public static TheoryData<string, string> MsixDevices()
    {
        var data = new TheoryData<string, string>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic); // NIC: PBA in BAR3
            data.Add(transport, LabDevices.Nvme); // NVMe: PBA page below the table page
            data.Add(transport, LabDevices.Wifi); // Wi-Fi: PBA on the page after the table page
            data.Add(transport, LabDevices.T5Vf); // T5 VF: fixed-up PBA over ordinary device memory
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void PbaWrites_ZerosAndOnesAtEveryWidth_DroppedAndDeliveryUnchanged(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();
        const int fired = 1;
        const int quiet = 2;
        msix.Mask(fired);
        msix.Mask(quiet);
        rig.RingAndSettle(fired);
        rig.RingAndSettle(fired);
        Assert.Equal(1UL << fired, msix.PbaWord(0));
        ulong deviceBytes = rig.DeviceBar(msix.PbaBar, msix.PbaOffset, 8);

        foreach (ulong value in new[] { 0UL, ulong.MaxValue })
        {
            rig.Write(msix.Pba, 8, value);
            rig.Write(msix.Pba, 4, value);
            rig.Write(msix.Pba + 4, 4, value);
            Assert.Equal(1UL << fired, msix.PbaWord(0));
        }

        // Nothing reached the device behind the PBA.
        Assert.Equal(deviceBytes, rig.DeviceBar(msix.PbaBar, msix.PbaOffset, 8));

        // The ones written did not make the quiet entry pending; the zeros did not clear the fired one.
        msix.Unmask(quiet);
        rig.Machine.Settle();
        Assert.Equal(0, rig.Machine.Lapic.Count(GuestMsix.VectorOf(quiet)));
        msix.Unmask(fired);
        rig.Machine.Settle();
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(fired)));
        Assert.Equal(1, rig.Machine.Lapic.Total);
        Assert.Equal(0UL, msix.PbaWord(0));
    }

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void PbaWrite_OverAHostPendingVector_DoesNotClearItAtTheDevice(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        int last = msix.Entries - 1;
        msix.BringUp(unmasked: last);
        rig.RingAndSettle(last);
        Assert.True(rig.Sim.Function.IsMsixPending(last));

        rig.Write(msix.Pba, 8, 0);
        rig.Write(msix.Pba + (4 * ((ulong)last / 32)), 4, 0);

        Assert.True(rig.Sim.Function.IsMsixPending(last));
        msix.Unmask(last);
        rig.Machine.Settle();
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(last)));
        Assert.Equal(1, rig.Machine.Lapic.Total);
    }
}
