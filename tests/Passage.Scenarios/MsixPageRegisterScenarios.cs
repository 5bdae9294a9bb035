using Passage.Host.Sim.Runtime;
using Passage.Scenarios.Harness;

namespace Passage.Scenarios;

/// <summary>
/// Device registers that share a 4 KiB page with the MSI-X table or PBA stay reachable at every
/// width and alignment, while the table and PBA themselves are never forwarded and an access
/// reaching into them is refused whole (seed 003; vpci.md §7.9). The Wi-Fi's BAR0: CSRs mapped
/// at 0x0000–0x1FFF; table at 0x2000–0x20FF and control registers at 0x2800 on one trapped page;
/// PBA at 0x3000 on the next.
/// </summary>
public sealed class MsixPageRegisterScenarios
{
    private const ulong Scratch = 0x2800 + SimControlBlock.Scratch;

    public static TheoryData<string> Transports() => new(DeviceTransports.Names);

    public static TheoryData<string, int, ulong> AlignedAccesses()
    {
        var data = new TheoryData<string, int, ulong>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, 1, 0x2820); // byte among the control registers
            data.Add(transport, 2, 0x2822); // word among the control registers
            data.Add(transport, 4, 0x2824); // dword among the control registers
            data.Add(transport, 8, 0x2828); // qword among the control registers
            data.Add(transport, 8, 0x2100); // first qword after the table
            data.Add(transport, 4, 0x2FFC); // last dword before the PBA's page
            data.Add(transport, 8, 0x3008); // first qword after the PBA, on its page
            data.Add(transport, 1, 0x3FFF); // last byte of the trapped pages
        }

        return data;
    }

    public static TheoryData<string, int, ulong> UnalignedAccesses()
    {
        var data = new TheoryData<string, int, ulong>();
        foreach (string transport in DeviceTransports.Names)
        {
            data.Add(transport, 2, 0x2821); // word at an odd address
            data.Add(transport, 4, 0x2822); // dword at a word boundary
            data.Add(transport, 4, 0x2823); // dword at an odd address
            data.Add(transport, 8, 0x2824); // qword at a dword boundary
            data.Add(transport, 8, 0x282B); // qword at an odd address
            data.Add(transport, 4, 0x2101); // just after the table
            data.Add(transport, 2, 0x2FFD); // ending on the last byte before the PBA's page
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void ControlRegisters_BesideTheLiveTable_ScratchAndDoorbellWork(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Wifi);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();
        ulong bar = rig.Bars[0];

        rig.Write(bar + Scratch, 4, 0xA5C3_0F96);
        Assert.Equal(0xA5C3_0F96UL, rig.DeviceBar(0, Scratch, 4));
        Assert.Equal(0xA5C3_0F96UL, rig.Read(bar + Scratch, 4));

        rig.RingAndSettle(3);
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(3)));
        Assert.Equal(1UL, rig.Read(bar + 0x2800 + SimControlBlock.InterruptsRequested, 4));
        Assert.Equal(1UL, rig.Read(bar + 0x2800 + SimControlBlock.InterruptsSent, 4));

        // The table on the same page still answers as the table.
        Assert.Equal((ulong)GuestMsix.VectorOf(3), rig.Read(msix.EntryAddress(3, 8), 4));
    }

    [Theory]
    [MemberData(nameof(AlignedAccesses))]
    [MemberData(nameof(UnalignedAccesses))]
    public void PlainRegister_AlignedOrUnalignedAccess_HeldByDeviceAndReadBack(string transport, int size, ulong offset)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Wifi);
        rig.Start();
        ulong value = Pattern(size);

        rig.Write(rig.Bars[0] + offset, size, value);

        AssertDeviceHolds(rig, offset, size, value);
        Assert.Equal(value, rig.Read(rig.Bars[0] + offset, size));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void ControlBlock_AccessesOtherThanAlignedDwords_ReachDeviceAtGuestWidthAndAreRefused(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Wifi);
        rig.Start();
        GuestMsix.Find(rig).BringUp();
        ulong bar = rig.Bars[0];
        rig.Write(bar + Scratch, 4, 0x1122_3344);

        // One 8-byte access over DOORBELL and SCRATCH: the device takes only dwords, so nothing rings and nothing is stored.
        rig.Write(bar + 0x2800, 8, 0xAABB_CCDD_0000_0005);
        Assert.Equal(ulong.MaxValue, rig.Read(bar + 0x2800, 8));
        rig.Write(bar + Scratch, 2, 0xBEEF);
        Assert.Equal(0xFFFFUL, rig.Read(bar + Scratch, 2));
        rig.Write(bar + Scratch + 2, 4, 0xCAFE_F00D); // unaligned: split into bytes, each refused
        Assert.Equal(0xFFFF_FFFFUL, rig.Read(bar + Scratch + 2, 4));

        rig.Machine.Settle();
        Assert.Equal(0x1122_3344UL, rig.DeviceBar(0, Scratch, 4));
        Assert.Equal(0x1122_3344UL, rig.Read(bar + Scratch, 4));
        Assert.Equal(0, rig.Sim.Function.InterruptsRequested);
        Assert.Equal(0, rig.Machine.Lapic.Total);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void AccessEndingInPba_ReadsOnesAndWriteDropped(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Wifi);
        rig.Start();
        ulong bar = rig.Bars[0];
        rig.Write(bar + 0x2FF8, 8, 0x0102_0304_0506_0708);

        Assert.Equal(ulong.MaxValue, rig.Read(bar + 0x2FFC, 8)); // bytes 0x2FFC–0x3003
        Assert.Equal(0xFFFFUL, rig.Read(bar + 0x2FFF, 2)); // bytes 0x2FFF–0x3000
        rig.Write(bar + 0x2FFC, 8, 0);
        rig.Write(bar + 0x2FFF, 2, 0);

        Assert.Equal(0x0102_0304_0506_0708UL, rig.DeviceBar(0, 0x2FF8, 8));
        Assert.Equal(0x0102_0304UL, rig.Read(bar + 0x2FFC, 4)); // the same bytes, by an access that stays before the PBA
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void AccessEndingInTable_NvmePbaPageBelowTablePage_ReadsOnesAndWriteDropped(string transport)
    {
        // The NVMe's PBA page (0x2000) sits just below its table page (0x3000): both are trapped together.
        using var rig = GuestRig.Open(transport, LabDevices.Nvme);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        Assert.Equal(0x3000UL, msix.TableOffset);
        msix.BringUp();
        ulong bar = rig.Bars[0];
        rig.Write(bar + 0x2FF8, 8, 0x0102_0304_0506_0708);
        ulong deviceTable = rig.DeviceBar(0, 0x3000, 8);

        Assert.Equal(ulong.MaxValue, rig.Read(bar + 0x2FFC, 8)); // bytes 0x2FFC–0x3003, the last four in entry 0
        rig.Write(bar + 0x2FFC, 8, 0);
        rig.Write(bar + 0x2FFE, 4, 0); // unaligned, ending in the table: refused before any byte is split off

        Assert.Equal(0x0102_0304_0506_0708UL, rig.DeviceBar(0, 0x2FF8, 8));
        Assert.Equal(deviceTable, rig.DeviceBar(0, 0x3000, 8));
        Assert.Equal(GuestMsix.LapicAddress(), rig.Read(msix.EntryAddress(0), 8));
        rig.RingAndSettle(0);
        Assert.Equal(1, rig.Machine.Lapic.Count(GuestMsix.VectorOf(0)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void TableAccesses_AnyWidth_NeverReachDeviceTable(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Wifi);
        rig.Start();
        var msix = GuestMsix.Find(rig);
        msix.BringUp();
        ulong[] deviceTable = [.. Enumerable.Range(0, msix.Entries * 2).Select(i => rig.DeviceBar(0, 0x2000 + (8 * (ulong)i), 8))];

        // Valid accesses change the guest's table only.
        msix.Mask(3);
        msix.Program(3, 0xFEE0_3000, 0x77);
        Assert.Equal(0xFEE0_3000UL, rig.Read(msix.EntryAddress(3, 0), 8));
        Assert.Equal(0x77UL | (1UL << 32), rig.Read(msix.EntryAddress(3, 8), 8)); // data, then vector control (masked)

        // Accesses the table does not take are refused: ones, and nothing stored anywhere.
        rig.Write(msix.EntryAddress(3, 1), 1, 0xAB);
        rig.Write(msix.EntryAddress(3, 2), 2, 0xABCD);
        rig.Write(msix.EntryAddress(3, 6), 4, 0xABCD_EF01);
        rig.Write(msix.EntryAddress(3, 4), 8, 0x0123_4567_89AB_CDEF);
        Assert.Equal(0xFFUL, rig.Read(msix.EntryAddress(3, 1), 1));
        Assert.Equal(0xFFFFUL, rig.Read(msix.EntryAddress(3, 2), 2));
        Assert.Equal(ulong.MaxValue, rig.Read(msix.EntryAddress(3, 4), 8));
        Assert.Equal(0xFEE0_3000UL, rig.Read(msix.EntryAddress(3, 0), 8));

        Assert.Equal(deviceTable, Enumerable.Range(0, msix.Entries * 2).Select(i => rig.DeviceBar(0, 0x2000 + (8 * (ulong)i), 8)));

        // The reprogrammed entry delivers where the guest now points it, once unmasked.
        msix.Unmask(3);
        rig.RingAndSettle(3);
        Assert.Equal(1, rig.Machine.Lapic.Count(3, 0x77));
        Assert.Equal(0, rig.Machine.Lapic.Count(GuestMsix.VectorOf(3)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public void AccessCrossingFromMappedPageIntoTrappedPage_ReadsOnesAndWriteDropped(string transport)
    {
        using var rig = GuestRig.Open(transport, LabDevices.Wifi);
        rig.Start();
        ulong bar = rig.Bars[0];
        rig.Write(bar + 0x1FF8, 8, 0x0102_0304_0506_0708);

        Assert.Equal(ulong.MaxValue, rig.Read(bar + 0x1FFC, 8));
        rig.Write(bar + 0x1FFC, 8, 0);

        Assert.Equal(0x0102_0304_0506_0708UL, rig.DeviceBar(0, 0x1FF8, 8));
    }

    // Distinct non-zero bytes 0x11, 0x22, … truncated to the access width.
    private static ulong Pattern(int size) => 0x8877_6655_4433_2211UL & (size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1);

    // The device holds exactly the written bytes, and the other bytes of the qwords around them stay 0.
    private static void AssertDeviceHolds(GuestRig rig, ulong offset, int size, ulong value)
    {
        ulong first = offset & ~7UL;
        ulong end = (offset + (ulong)size + 7) & ~7UL;
        for (ulong at = first; at < end; at++)
        {
            ulong expected = at >= offset && at < offset + (ulong)size ? (value >> (int)(8 * (at - offset))) & 0xFF : 0;
            Assert.Equal((at, expected), (at, rig.DeviceBar(0, at, 1)));
        }
    }
}
