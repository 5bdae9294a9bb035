using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>
/// Vectors fired while masked — by their entry's mask bit or by Function Mask — are pending in
/// the PBA the guest reads, are not delivered, and are delivered exactly once on unmask
/// (vpci.md §7.5, §7.6, §7.8, §7.9).
/// </summary>
public sealed class MsixMaskingScenarios
{
    public static TheoryData<string, string> MsixDevices()
    {
        var data = new TheoryData<string, string>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic); // NIC: table and PBA in their own BAR
            data.Add(transport, LabDevices.Nvme); // NVMe: 33 vectors, one PBA qword
            data.Add(transport, LabDevices.Wifi); // Wi-Fi: PBA on its own trapped page after the table page
            data.Add(transport, LabDevices.T5Vf); // T5 VF: PBA fixed up, purely emulated
        }

        return data;
    }

    public static TheoryData<string, string, bool> NeverUnmaskedDevices()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, LabDevices.Nic, true); // NIC: the host's PBA shows through
            data.Add(transport, LabDevices.Nvme, true); // NVMe: the host's PBA shows through
            data.Add(transport, LabDevices.Wifi, true); // Wi-Fi: the host's PBA shows through
            data.Add(transport, LabDevices.T5Vf, false); // T5 VF: the fixed-up PBA is purely emulated, so the host's pending bit is not shown
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void EntryMask_FiredSeveralTimesWhileMasked_PendingThenDeliveredOnceOnUnmask(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();
        int entry = msix.Entries / 2;
        int vector = GuestMsix.VectorOf(entry);

        // Masking and unmasking with nothing fired delivers nothing.
        msix.Mask(entry);
        msix.Unmask(entry);
        rig.Machine.Settle();
        Assert.Equal(0, rig.Machine.Lapic.Total);

        msix.Mask(entry);
        Assert.Equal(1u, msix.VectorControl(entry));
        for (int i = 0; i < 3; i++)
        {
            rig.RingAndSettle(entry);
        }

        Assert.Equal(0, rig.Machine.Lapic.Count(vector));
        Assert.Equal(1UL << entry, msix.PbaWord(0));

        // The mask is per entry: a neighbour still delivers, and its bit stays clear.
        rig.RingAndSettle(entry - 1);
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(entry - 1)));
        Assert.Equal(1UL << entry, msix.PbaWord(0));

        msix.Unmask(entry);
        rig.Machine.Settle();
        Assert.Equal(1, rig.Machine.Lapic.Count(vector));
        Assert.Equal(0UL, msix.PbaWord(0));

        // Unmasked again, each doorbell is one interrupt.
        rig.RingAndSettle(entry);
        Assert.Equal(2, rig.Machine.Lapic.Count(vector));
        Assert.Equal(3, rig.Machine.Lapic.Total);
    }

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void FunctionMask_VectorsFiredWhileSet_PendingThenEachDeliveredOnceWhenCleared(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();
        int last = msix.Entries - 1;

        msix.WriteControl(enable: true, functionMask: true);
        for (int i = 0; i < 3; i++)
        {
            rig.RingAndSettle(0);
        }

        rig.RingAndSettle(last);

        Assert.Equal(0, rig.Machine.Lapic.Total);
        Assert.Equal(1UL | (1UL << last), msix.PbaWord(0));
        Assert.True(msix.IsPending(0));
        Assert.True(msix.IsPending(last));
        Assert.All(Enumerable.Range(0, msix.Entries), v => Assert.Equal(0u, msix.VectorControl(v))); // Function Mask leaves the entries' own bits alone

        msix.WriteControl(enable: true, functionMask: false);
        rig.Machine.Settle();
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(0)));
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(last)));
        Assert.Equal(2, rig.Machine.Lapic.Total);
        Assert.Equal(0UL, msix.PbaWord(0));
    }

    [Theory]
    [MemberData(nameof(MsixDevices))]
    public void FunctionMask_SetAndClearedOverAMaskedEntry_EntryStaysMaskedAndPending(string transport, string device)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();

        msix.Mask(1);
        msix.WriteControl(enable: true, functionMask: true);
        rig.RingAndSettle(1);
        msix.WriteControl(enable: true, functionMask: false);
        rig.Machine.Settle();

        // Clearing Function Mask releases only entries that are not masked themselves.
        Assert.Equal(0, rig.Machine.Lapic.Total);
        Assert.True(msix.IsPending(1));

        msix.Unmask(1);
        rig.Machine.Settle();
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(1)));
        Assert.False(msix.IsPending(1));
    }

    [Theory]
    [MemberData(nameof(NeverUnmaskedDevices))]
    public void NeverUnmaskedEntry_FiredSeveralTimes_DeliveredOnceWhenFirstUnmasked(string transport, string device, bool hostPbaShown)
    {
        using var rig = GuestRig.Open(transport, device);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        int last = msix.Entries - 1;
        msix.BringUp(unmasked: last); // the last entry is programmed but never unmasked
        int vector = GuestMsix.VectorOf(last);

        for (int i = 0; i < 3; i++)
        {
            rig.RingAndSettle(last);
        }

        Assert.Equal(0, rig.Machine.Lapic.Total);
        Assert.True(rig.Sim.Function.IsMsixPending(last)); // the device holds it: the host never wired that vector
        if (hostPbaShown)
        {
            Assert.Equal(1UL << last, msix.PbaWord(0));
        }

        msix.Unmask(last);
        rig.Machine.Settle();
        Assert.Equal(1, rig.Machine.Lapic.Count(vector));
        Assert.Equal(1, rig.Machine.Lapic.Total);
        Assert.False(rig.Sim.Function.IsMsixPending(last));
        Assert.Equal(0UL, msix.PbaWord(0));

        rig.RingAndSettle(last);
        Assert.Equal(2, rig.Machine.Lapic.Count(vector));
    }
}
