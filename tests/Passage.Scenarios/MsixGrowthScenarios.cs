using Passage.Host.Devices;
using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>
/// A guest grows from one MSI-X vector to all of them while the device keeps interrupting
/// (seed 004: lazy host vector allocation, eventfd swaps, interrupts lost during reallocation;
/// vpci.md §7.7, §7.8).
/// </summary>
public sealed class MsixGrowthScenarios
{
    public static TheoryData<string, bool> Hosts()
    {
        var data = new TheoryData<string, bool>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, true); // dynamic host: each unmask wires one more vector, nothing is torn down
            data.Add(transport, false); // NORESIZE host: each unmask beyond the allocation disables and re-enables the index
        }

        return data;
    }

    /// <summary>
    /// The NVMe (33 entries) starts Linux-style with only entry 0 unmasked; entries 1..32 are then
    /// unmasked one at a time while two threads ring every entry, round after round (see
    /// <see cref="DoorbellStorm"/>). Before each unmask the guest waits for a full round of both,
    /// so the entry was rung while masked and the guest's PBA must show it.
    /// <para>
    /// Dynamic host: nothing is ever torn down, so every doorbell rung on an unmasked entry is one
    /// interrupt, and an entry rung while masked (any number of times) adds exactly one:
    /// delivered = rung unmasked + 1 (entry 0, never masked during the storm: + 0), and the device
    /// sent exactly that many messages.
    /// </para>
    /// <para>
    /// NORESIZE host: unmasking entry k (k ≥ 1) finds k vectors allocated, so the index is disabled
    /// and re-enabled with k + 1 (§7.7.3). A doorbell that lands while the index is off is lost at
    /// the device — the device sends nothing for it — which is why each re-enable delivers one
    /// catch-up interrupt to every programmed, unmasked entry (0..k−1); entry j receives
    /// N − 1 − j of them in all. So the guest's count is compared with what the device really
    /// sent, per entry: delivered = sent + (N − 1 − j), where sent = rung unmasked + 1 − lost and
    /// lost ≥ 0 (how many doorbells hit a disabled index depends on timing; often none).
    /// </para>
    /// </summary>
    [Theory]
    [MemberData(nameof(Hosts))]
    public void GrowOneToAll_UnderDoorbellStorm_EveryDoorbellAccountedFor(string transport, bool dynamicMsix)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Nvme, dynamicMsix);
        SentMessageCounter sent = SentMessageCounter.Install(rig.Sim);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        int n = msix.Entries;
        Assert.Equal(33, n);
        msix.BringUp(unmasked: 1);

        using (var storm = new DoorbellStorm(rig, n, unmasked: 1))
        {
            for (int k = 1; k < n; k++)
            {
                storm.WaitRounds(1);
                Assert.True(msix.IsPending(k), $"entry {k}, rung while masked, is not pending in the guest's PBA");
                Assert.Equal(0, rig.Machine.Lapic.Count(GuestMsix.VectorOf(k)));
                int entry = k;
                storm.Unmask(entry, () => msix.Unmask(entry));
            }

            storm.WaitRounds(1);
            storm.Stop();
            rig.Machine.Settle();

            var wrong = new List<string>();
            long expectedTotal = 0;
            for (int j = 0; j < n; j++)
            {
                long rungUnmasked = storm.RungUnmasked(j);
                long rungMasked = storm.RungMasked(j);
                long deviceSent = sent.Msix(j);
                long delivered = rig.Machine.Lapic.Count(GuestMsix.VectorOf(j));
                long maskedCatchUp = rungMasked > 0 ? 1 : 0;
                long expected = dynamicMsix ? rungUnmasked + maskedCatchUp : deviceSent + (n - 1 - j);
                long lost = rungUnmasked + maskedCatchUp - deviceSent;
                expectedTotal += expected;
                bool ok = delivered == expected
                    && (j == 0 ? rungMasked == 0 : rungMasked >= 1)
                    && rungUnmasked >= 1
                    && (dynamicMsix ? lost == 0 : lost >= 0);
                if (!ok)
                {
                    wrong.Add($"entry {j}: rung {rungUnmasked} unmasked + {rungMasked} masked, device sent {deviceSent}, guest received {delivered}, expected {expected}");
                }
            }

            Assert.Empty(wrong);
            Assert.Equal(expectedTotal, rig.Machine.Lapic.Total);
        }

        Assert.Equal(n, rig.Sim.Interrupts.MsixAllocated);
        Assert.All(Enumerable.Range(0, n), v => Assert.True(rig.Sim.Interrupts.IsWired(VfioIrq.Msix, v)));
        Assert.Equal(0UL, msix.PbaWord(0));
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void GrowOneToAll_Quiet_NoInterruptWithoutADoorbellExceptNoresizeCatchUps(string transport, bool dynamicMsix)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Nic, dynamicMsix);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        int n = msix.Entries;
        msix.BringUp(unmasked: 1);

        for (int k = 1; k < n; k++)
        {
            msix.Unmask(k);
        }

        rig.Machine.Settle();

        // Each growth step on a NORESIZE host catches up every entry already live: entry j gets N − 1 − j spurious interrupts.
        for (int j = 0; j < n; j++)
        {
            Assert.Equal(dynamicMsix ? 0 : n - 1 - j, rig.Machine.Lapic.Count(GuestMsix.VectorOf(j)));
        }

        for (int j = 0; j < n; j++)
        {
            long before = rig.Machine.Lapic.Count(GuestMsix.VectorOf(j));
            rig.RingAndSettle(j);
            Assert.Equal(before + 1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(j)));
        }
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void GrowByOne_DoorbellWhileHostIndexDisabled_LostAtDeviceButCaughtUpOnNoresize(string transport, bool dynamicMsix)
    {
        GapDoorbellDevice? gap = null;
        using var rig = GuestRig.Open(transport, LabDevices.Nic, dynamicMsix, (device, sim) => gap = new GapDoorbellDevice(device, sim));
        SentMessageCounter sent = SentMessageCounter.Install(rig.Sim);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp(unmasked: 1);
        rig.RingAndSettle(0);
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(0)));

        // Entry 0 rings exactly while the host's MSI-X index is off, should unmasking entry 1 turn it off.
        gap!.Arm(0);
        msix.Unmask(1);
        rig.Machine.Settle();

        if (dynamicMsix)
        {
            // A dynamic host wires entry 1 alone: the index never goes off.
            Assert.Equal(0, gap.GapsRung);
            Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(0)));
        }
        else
        {
            // The doorbell found MSI-X off and never left the device, yet entry 0 got one interrupt after it: the catch-up.
            Assert.Equal(1, gap.GapsRung);
            Assert.Equal(1, sent.Msix(0));
            Assert.Equal(2, rig.Machine.Lapic.Count(GuestMsix.VectorOf(0)));
        }

        Assert.Equal(0, rig.Machine.Lapic.Count(GuestMsix.VectorOf(1)));
        rig.RingAndSettle(1);
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(1)));
    }
}
