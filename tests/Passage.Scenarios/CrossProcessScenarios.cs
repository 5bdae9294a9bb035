using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>
/// The named scenarios between two processes over a real socket with real eventfds: the device is
/// exported by the real command line (<c>passage vfio-user serve</c>, a child process with its own
/// simulated lab), and the guest in this process imports it with a <see cref="Passage.VfioUser.Client.VfioUserClient"/>.
/// Only what a guest sees is checked — LAPIC counts, PBA bits read through the BAR, register
/// values read back (the device's own counters among them) — since the device lives in the other
/// process. Each test starts its own server and kills it at the end.
/// </summary>
public sealed class CrossProcessScenarios
{
    private static readonly TimeSpan Patience = ServedDevice.Patience;

    public static TheoryData<string, int> BringUpDevices() => new()
    {
        { LabDevices.Nic, 5 }, // NIC: table and PBA in their own BAR, doorbell on a trapped page of BAR0
        { LabDevices.Nvme, 33 }, // NVMe: admin + 32 queues, PBA page below the table page
    };

    /// <summary>(1) Linux MSI-X bring-up: enable with the function masked, program and unmask every entry, unmask the function; one doorbell per vector is one interrupt.</summary>
    [Theory]
    [MemberData(nameof(BringUpDevices))]
    public void LinuxBringUp_DeviceInAnotherProcess_EveryVectorDeliveredExactlyOnce(string device, int entries)
    {
        using var served = ServedDevice.Start(device);
        using RemoteGuest guest = served.Connect();
        guest.Start();
        var msix = GuestMsix.Find(guest);
        Assert.Equal(entries, msix.Entries);

        msix.WriteControl(enable: true, functionMask: true);
        Assert.Equal(MsixCapability.Enable | MsixCapability.FunctionMask | (entries - 1), msix.Control);
        Assert.Equal((ushort)PciCommand.InterruptDisable, guest.Config.Command & (ushort)PciCommand.InterruptDisable);
        for (int v = 0; v < entries; v++)
        {
            msix.Program(v, GuestMsix.LapicAddress(v % 4), (uint)GuestMsix.VectorOf(v));
        }

        for (int v = 0; v < entries; v++)
        {
            Assert.Equal((uint)GuestMsix.LapicAddress(v % 4), guest.Read(msix.EntryAddress(v, 0), 4));
            Assert.Equal((uint)GuestMsix.VectorOf(v), guest.Read(msix.EntryAddress(v, 8), 4));
            Assert.Equal(1u, msix.VectorControl(v));
            msix.Unmask(v);
            Assert.Equal(0u, msix.VectorControl(v));
        }

        guest.Machine.Settle();
        Assert.Equal(0, guest.Machine.Lapic.Total);

        msix.WriteControl(enable: true, functionMask: false);
        Assert.Equal(MsixCapability.Enable | (entries - 1), msix.Control);
        for (int v = 0; v < entries; v++)
        {
            int vector = GuestMsix.VectorOf(v);
            guest.Ring(v);
            Assert.True(guest.Machine.Lapic.WaitForCount(vector, 1, Patience), $"entry {v} never interrupted");
            guest.Machine.Settle();
            Assert.Equal((v, 1L), (v, guest.Machine.Lapic.Count(vector)));
            Assert.Equal((v, 1L), (v, guest.Machine.Lapic.Count(v % 4, vector)));
        }

        Assert.Equal(entries, guest.Machine.Lapic.Total);
        Assert.Equal(0, guest.Machine.RamMessages + guest.Machine.DroppedMessages);
        Assert.Equal((ulong)entries, guest.ControlRegister(SimControlBlock.InterruptsRequested));
        Assert.Equal((ulong)entries, guest.ControlRegister(SimControlBlock.InterruptsSent));
        Assert.All(Enumerable.Range(0, entries), v => Assert.False(msix.IsPending(v), $"entry {v} left pending"));
    }

    /// <summary>(2) A vector rung while its entry is masked is pending in the PBA the guest reads, is not delivered, and is delivered exactly once on unmask.</summary>
    [Fact]
    public void MaskedEntry_RungSeveralTimes_PendingInPbaThenDeliveredOnceOnUnmask()
    {
        using var served = ServedDevice.Start(LabDevices.Nic);
        using RemoteGuest guest = served.Connect();
        guest.Start();
        var msix = GuestMsix.Find(guest);
        msix.BringUp();
        const int entry = 2;
        int vector = GuestMsix.VectorOf(entry);

        msix.Mask(entry);
        Assert.Equal(1u, msix.VectorControl(entry));
        for (int i = 0; i < 3; i++)
        {
            guest.RingAndSettle(entry);
        }

        Assert.Equal(0, guest.Machine.Lapic.Count(vector));
        Assert.Equal(1UL << entry, msix.PbaWord(0));
        Assert.True(msix.IsPending(entry));

        // The mask is per entry: a neighbour still delivers, and its bit stays clear.
        guest.RingAndSettle(entry - 1);
        Assert.Equal(1, guest.Machine.Lapic.Count(GuestMsix.VectorOf(entry - 1)));
        Assert.Equal(1UL << entry, msix.PbaWord(0));

        msix.Unmask(entry);
        guest.Machine.Settle();
        Assert.Equal(1, guest.Machine.Lapic.Count(vector));
        Assert.Equal(0UL, msix.PbaWord(0));

        guest.RingAndSettle(entry);
        Assert.Equal(2, guest.Machine.Lapic.Count(vector));
        Assert.Equal(3, guest.Machine.Lapic.Total);
        Assert.Equal(5UL, guest.ControlRegister(SimControlBlock.InterruptsRequested));
    }

    /// <summary>
    /// (2) An entry never unmasked has no host vector, so the device in the other process holds the
    /// interrupt itself: the guest's PBA shows it through the host PBA read over the socket (bit 32
    /// of the NVMe's first PBA qword), and the first unmask delivers it once.
    /// </summary>
    [Fact]
    public void NeverUnmaskedEntry_RungSeveralTimes_HostPendingShownThenDeliveredOnceOnUnmask()
    {
        using var served = ServedDevice.Start(LabDevices.Nvme);
        using RemoteGuest guest = served.Connect();
        guest.Start();
        var msix = GuestMsix.Find(guest);
        int last = msix.Entries - 1;
        msix.BringUp(unmasked: last);
        int vector = GuestMsix.VectorOf(last);

        for (int i = 0; i < 3; i++)
        {
            guest.RingAndSettle(last);
        }

        Assert.Equal(0, guest.Machine.Lapic.Total);
        Assert.Equal(1UL << last, msix.PbaWord(0));
        Assert.Equal(0UL, guest.ControlRegister(SimControlBlock.InterruptsSent));

        msix.Unmask(last);
        Assert.True(guest.Machine.Lapic.WaitForCount(vector, 1, Patience), "the held interrupt never arrived");
        guest.Machine.Settle();
        Assert.Equal(1, guest.Machine.Lapic.Count(vector));
        Assert.Equal(1, guest.Machine.Lapic.Total);
        Assert.Equal(0UL, msix.PbaWord(0));
        Assert.Equal(1UL, guest.ControlRegister(SimControlBlock.InterruptsSent));

        guest.RingAndSettle(last);
        Assert.Equal(2, guest.Machine.Lapic.Count(vector));
    }

    /// <summary>
    /// (3) The NVMe grows from one vector to 33 while a guest thread storms every doorbell (see
    /// <see cref="DoorbellStorm"/>); the server's host allocates dynamically, so each unmask wires
    /// one more vector and nothing is ever torn down. Per entry: delivered = rung while unmasked +
    /// one catch-up if it was rung while masked (entry 0, never masked: + 0). The device's own
    /// counters, read through the BAR, agree: every doorbell requested an interrupt, and it sent
    /// exactly what the guest received (rings on an unwired entry collapse into its one pending bit).
    /// </summary>
    [Fact]
    public void GrowOneToAll_UnderDoorbellStorm_EveryDoorbellAccountedFor()
    {
        using var served = ServedDevice.Start(LabDevices.Nvme);
        using RemoteGuest guest = served.Connect();
        guest.Start();
        var msix = GuestMsix.Find(guest);
        int n = msix.Entries;
        Assert.Equal(33, n);
        msix.BringUp(unmasked: 1);

        using var storm = new DoorbellStorm(guest, n, unmasked: 1);
        for (int k = 1; k < n; k++)
        {
            storm.WaitRounds(1);
            Assert.True(msix.IsPending(k), $"entry {k}, rung while masked, is not pending in the guest's PBA");
            Assert.Equal(0, guest.Machine.Lapic.Count(GuestMsix.VectorOf(k)));
            int entry = k;
            storm.Unmask(entry, () => msix.Unmask(entry));
        }

        storm.WaitRounds(1);
        storm.Stop();
        guest.Machine.Settle();

        var wrong = new List<string>();
        long rungTotal = 0;
        for (int j = 0; j < n; j++)
        {
            long rungUnmasked = storm.RungUnmasked(j);
            long rungMasked = storm.RungMasked(j);
            long delivered = guest.Machine.Lapic.Count(GuestMsix.VectorOf(j));
            long expected = rungUnmasked + (rungMasked > 0 ? 1 : 0);
            rungTotal += rungUnmasked + rungMasked;
            if (delivered != expected || rungUnmasked < 1 || (j == 0 ? rungMasked != 0 : rungMasked < 1))
            {
                wrong.Add($"entry {j}: rung {rungUnmasked} unmasked + {rungMasked} masked, guest received {delivered}, expected {expected}");
            }
        }

        Assert.Empty(wrong);
        Assert.Equal((ulong)rungTotal, guest.ControlRegister(SimControlBlock.InterruptsRequested));
        Assert.Equal((ulong)guest.Machine.Lapic.Total, guest.ControlRegister(SimControlBlock.InterruptsSent));
        Assert.Equal(0UL, msix.PbaWord(0));
    }

    /// <summary>
    /// (4) The Wi-Fi's registers on the MSI-X table's page (0x2000–0x2FFF) and the PBA's page
    /// (0x3000–0x3FFF) of BAR0, written and read back at 1, 2, 4 and 8 bytes, aligned and not, while
    /// MSI-X is live: each access holds exactly its bytes (the bytes around it stay 0), the control
    /// registers work, and the table beside them is untouched and still delivers.
    /// </summary>
    [Fact]
    public void WifiTablePageRegisters_EveryWidthAlignedAndUnaligned_ReadBackAndTableIntact()
    {
        (int Size, ulong Offset)[] accesses =
        [
            (1, 0x2820), // byte among the control registers
            (2, 0x2822), // word
            (4, 0x2824), // dword
            (8, 0x2828), // qword
            (8, 0x2100), // first qword after the table
            (4, 0x2FFC), // last dword before the PBA's page
            (8, 0x3008), // first qword after the PBA, on its page
            (1, 0x3FFF), // last byte of the trapped pages
            (2, 0x2821), // word at an odd address
            (4, 0x2822), // dword at a word boundary
            (4, 0x2823), // dword at an odd address
            (8, 0x2824), // qword at a dword boundary
            (8, 0x282B), // qword at an odd address
            (4, 0x2101), // just after the table, unaligned
            (2, 0x2FFD), // unaligned, ending on the last byte before the PBA's page
        ];
        using var served = ServedDevice.Start(LabDevices.Wifi);
        using RemoteGuest guest = served.Connect();
        guest.Start();
        var msix = GuestMsix.Find(guest);
        Assert.Equal((0, 0x2000UL), (msix.TableBar, msix.TableOffset));
        msix.BringUp();
        ulong bar = guest.Bars[0];

        var wrong = new List<string>();
        foreach ((int size, ulong offset) in accesses)
        {
            ulong first = offset & ~7UL;
            ulong end = (offset + (ulong)size + 7) & ~7UL;
            for (ulong at = first; at < end; at += 8)
            {
                guest.Write(bar + at, 8, 0);
            }

            ulong value = 0x8877_6655_4433_2211UL & (size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1);
            guest.Write(bar + offset, size, value);

            ulong back = guest.Read(bar + offset, size);
            if (back != value)
            {
                wrong.Add($"{size} bytes at 0x{offset:x}: read back 0x{back:x}, wrote 0x{value:x}");
            }

            for (ulong at = first; at < end; at++)
            {
                ulong expected = at >= offset && at < offset + (ulong)size ? (value >> (int)(8 * (at - offset))) & 0xFF : 0;
                ulong seen = guest.Read(bar + at, 1);
                if (seen != expected)
                {
                    wrong.Add($"{size} bytes at 0x{offset:x}: byte 0x{at:x} reads 0x{seen:x}, expected 0x{expected:x}");
                }
            }
        }

        Assert.Empty(wrong);

        // The control registers beside the table: SCRATCH holds a dword, DOORBELL rings.
        Assert.Equal(bar + 0x2800, guest.ControlBlock);
        guest.Write(guest.ControlBlock + SimControlBlock.Scratch, 4, 0xA5C3_0F96);
        Assert.Equal(0xA5C3_0F96UL, guest.ControlRegister(SimControlBlock.Scratch));

        // The table is as the guest programmed it, and every entry still delivers.
        for (int v = 0; v < msix.Entries; v++)
        {
            Assert.Equal((v, GuestMsix.LapicAddress()), (v, guest.Read(msix.EntryAddress(v, 0), 8)));
            Assert.Equal((v, (ulong)GuestMsix.VectorOf(v)), (v, guest.Read(msix.EntryAddress(v, 8), 8)));
            guest.RingAndSettle(v);
            Assert.Equal((v, 1L), (v, guest.Machine.Lapic.Count(GuestMsix.VectorOf(v))));
        }

        Assert.Equal(msix.Entries, guest.Machine.Lapic.Total);
    }

    /// <summary>
    /// (5) A client killed with SIGKILL in the middle of a run: <c>passage guest probe --socket</c>
    /// timing a million doorbell round trips is killed once the server holds its eventfds (seen in
    /// /proc: eventfds with the same kernel id in both processes). The server reports the
    /// disconnect, holds none of the dead client's eventfds and no longer maps its RAM, and its
    /// device shows MSI-X disabled; the next guest's bring-up then works on every vector.
    /// </summary>
    [Fact]
    public void KilledClient_MidRun_ServerReleasesItAndNextBringUpWorksOnEveryVector()
    {
        const int entries = 5;
        const string guestRam = "passage-guest-ram";
        using var served = ServedDevice.Start(LabDevices.Nic);
        int server = served.Server.Id;
        Assert.False(ProcessDescriptors.MapsMemFd(server, guestRam));

        IReadOnlySet<long> wired;
        using (PassageProcess probe = PassageProcess.Start("guest", "probe", "--socket", served.SocketPath, "--doorbell", $"{served.Doorbell.Bar}:0x{served.Doorbell.Offset:x}", "--rounds", "1000000"))
        {
            served.Server.WaitForError("client 1 connected", Patience);
            IReadOnlySet<long> shared = new HashSet<long>();
            ServedDevice.WaitUntil(
                () => (shared = SharedEventFds(probe.Id, server)).Count >= entries,
                $"the server to hold the probe's {entries} MSI-X eventfds");
            wired = shared;
            Assert.True(ProcessDescriptors.MapsMemFd(server, guestRam), "the server does not map the probe's RAM for DMA");
            Assert.False(probe.HasExited);

            probe.KillHard();
        }

        // Closed or ConnectionFailed: a peer killed with requests unread may reset the connection.
        served.Server.WaitForError("client 1 disconnected", Patience);
        Assert.Empty(ProcessDescriptors.EventFdIds(server).Intersect(wired));
        Assert.False(ProcessDescriptors.MapsMemFd(server, guestRam));
        Assert.Equal((false, false), served.ProbeMsix());

        using (RemoteGuest guest = served.Connect())
        {
            guest.Start();
            var msix = GuestMsix.Find(guest);
            Assert.Equal(entries, msix.Entries);
            Assert.Equal(entries - 1, msix.Control);
            Assert.All(Enumerable.Range(0, entries), v => Assert.Equal(1u, msix.VectorControl(v)));
            Assert.Equal(0UL, msix.PbaWord(0));
            msix.BringUp();
            for (int v = 0; v < entries; v++)
            {
                int vector = GuestMsix.VectorOf(v);
                guest.Ring(v);
                Assert.True(guest.Machine.Lapic.WaitForCount(vector, 1, Patience), $"entry {v} never interrupted");
                guest.Machine.Settle();
                Assert.Equal((v, 1L), (v, guest.Machine.Lapic.Count(vector)));
            }

            Assert.Equal(entries, guest.Machine.Lapic.Total);

            // While a client uses it the device's MSI-X is on, so the probe after it could see it still on.
            Span<byte> control = stackalloc byte[2];
            Assert.Equal(Errno.None, guest.Client.Read(VfioRegion.Config, (ulong)(msix.Capability + MsixCapability.ControlOffset), control));
            Assert.NotEqual(0, control[1] & (MsixCapability.Enable >> 8));
        }

        Assert.Equal((false, false), served.ProbeMsix());
    }

    // Eventfds open in both processes: the ones one passed to the other over the socket.
    private static HashSet<long> SharedEventFds(int a, int b)
    {
        var shared = new HashSet<long>(ProcessDescriptors.EventFdIds(a));
        shared.IntersectWith(ProcessDescriptors.EventFdIds(b));
        return shared;
    }
}
